"""lakebundle task code: runs the same plan on Databricks (Workflows tasks) and on the local engine."""
