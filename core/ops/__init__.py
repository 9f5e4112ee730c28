"""Running the product for years: supervision of the worker's parts, problems, doctor, health, backups."""
