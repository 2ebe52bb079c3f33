from __future__ import annotations

from xdata.views import explorer

app_name = "xdata"

urlpatterns = [*explorer.urlpatterns]
