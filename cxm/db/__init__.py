"""cxm's database backend (settings name it as ENGINE "cxm.db"): Django's PostgreSQL backend
with a health check that costs no round trip and a cursor whose statements are prepared; see
`base`."""
