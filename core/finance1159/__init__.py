"""1159 Finance: the async API client (`client`), its typed errors (`errors`), the one module of
assumed wire details (`wire`) and the local sandbox server (`sandbox`)."""
