DROP TABLE registry_cache;
