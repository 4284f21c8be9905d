"""Loaded by every Python process the local engine's Spark Connect server starts (foreachBatch runs
there): installs the serverless guard when the engine asks for it."""
import os

if os.environ.get("LAKEBUNDLE_SERVERLESS_GUARD") == "1":
    try:
        import lakebundle_serverless_guard

        lakebundle_serverless_guard.install()
    except ImportError:  # a Python process without pyspark's Connect client: nothing to guard
        pass
