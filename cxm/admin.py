from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from cxm.models import StoredEmail, User, WorkerHeartbeat


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("cxm", {"fields": ("name", "language")}),
    )
    list_display = ("username", "name", "email", "is_active", "is_superuser")


admin.site.register(WorkerHeartbeat)
admin.site.register(StoredEmail)
