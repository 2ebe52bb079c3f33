from __future__ import annotations

from odata.views import customers, imports, tokens

app_name = "odata"

urlpatterns = [*imports.urlpatterns, *customers.urlpatterns, *tokens.urlpatterns]
