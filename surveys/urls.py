from __future__ import annotations

from surveys.views import builder, invitations, public

app_name = "surveys"

# Staff pages under /surveys/.
urlpatterns = [
    *builder.urlpatterns,
    *invitations.urlpatterns,
    *public.urlpatterns,
]
