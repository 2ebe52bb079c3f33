"""cxm's database backend: Django's PostgreSQL backend with a health check that costs no
round trip (see `base.DatabaseWrapper.is_usable`). Settings name it as ENGINE "cxm.db"."""
