"""Admin for the organisation tree, accounts and memberships, scoped by the access module.

Saving goes through the services, so the admin writes the same audit events as any other path.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from haven.audit.models import AuditEvent
from haven.audit.services import audit_record
from haven.lib.errors import InvalidInput
from haven.orgs import access, services
from haven.orgs.access import Perm
from haven.orgs.admin_site import ScopedAdmin, site
from haven.orgs.models import (
    Holiday,
    Jurisdiction,
    Membership,
    OnCall,
    OrgUnit,
    Role,
    User,
    normalize_email,
)
from haven.orgs.types import acting_user


class OrgUnitForm(forms.ModelForm[OrgUnit]):
    class Meta:
        model = OrgUnit
        fields = ["parent", "kind", "code", "name", "jurisdiction", "calendar_region"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parent = data.get("parent", self.instance.parent if self.instance.pk else None)
        if not self.instance.pk and parent is None and not data.get("jurisdiction"):
            self.add_error("jurisdiction", _("A unit at the top of the tree needs a jurisdiction."))
        code = (data.get("code") or "").strip()
        clash = OrgUnit.objects.filter(parent=parent, code=code).exclude(pk=self.instance.pk)
        if code and clash.exists():
            self.add_error("code", _("Another unit here already uses this code."))
        jurisdiction = (
            data.get("jurisdiction")
            or (self.instance.jurisdiction if self.instance.pk else None)
            or (parent.jurisdiction if parent else None)
        )
        if jurisdiction:
            try:
                services.calendar_region_clean(jurisdiction, data.get("calendar_region") or "")
            except InvalidInput as exc:
                self.add_error("calendar_region", str(exc.message))
        return data


@admin.register(OrgUnit, site=site)
class OrgUnitAdmin(ScopedAdmin):
    form = OrgUnitForm
    list_display = ["name", "kind", "code", "parent", "jurisdiction"]
    list_filter = ["kind", "jurisdiction"]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "jurisdiction"]
    autocomplete_fields = ["parent"]
    perm_view = Perm.UNIT_MANAGE

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrgUnit]:
        return access.units(request.user, Perm.UNIT_MANAGE)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            kwargs["queryset"] = access.units(request.user, Perm.UNIT_MANAGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Moving a unit rewrites its subtree's paths; not offered yet.
        return ["parent", "jurisdiction"] if obj else []

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            form.base_fields["parent"].required = not access.is_operator(request.user)
            form.base_fields["jurisdiction"].required = False
            form.base_fields["jurisdiction"].help_text = _(
                "Leave empty to use the parent unit's jurisdiction."
            )
        return form

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None:
            return access.can(request.user, Perm.UNIT_MANAGE, obj)
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: OrgUnit, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = services.orgunit_update(
                actor=acting_user(request),
                unit=obj,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                calendar_region=data.get("calendar_region") or "",
            )
        else:
            saved = services.orgunit_create(
                actor=acting_user(request),
                parent=data["parent"],
                kind=data["kind"],
                code=data["code"],
                name=data["name"],
                jurisdiction=data.get("jurisdiction"),
                calendar_region=data.get("calendar_region") or "",
            )
        obj.pk, obj.path = saved.pk, saved.path


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 0
    fields = ["unit", "role", "created_at"]
    readonly_fields = ["unit", "role", "created_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return access.memberships(request.user, Perm.MEMBER_VIEW).select_related("unit")


class UserInviteForm(forms.ModelForm[User]):
    """A new account always starts with one role, so it is inside someone's reach."""

    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("unit"))
    role = forms.ChoiceField(choices=Role.choices, label=_("role"))

    class Meta:
        model = User
        fields = ["email", "full_name", "language"]

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail address already exists."))
        return email


@admin.register(User, site=site)
class UserAdmin(ScopedAdmin):
    perm_view = Perm.MEMBER_MANAGE
    perm_change = Perm.MEMBER_MANAGE
    list_display = ["email", "full_name", "language", "is_active", "last_login"]
    search_fields = ["email", "full_name"]
    fields = ["email", "full_name", "language", "is_active", "last_login", "date_joined"]
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        if access.is_operator(request.user):
            return User.objects.all()
        # People with a role somewhere in the administrator's subtree.
        people = access.memberships(request.user, Perm.MEMBER_MANAGE).values("user_id")
        return User.objects.filter(pk__in=people)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = UserInviteForm
            kwargs["fields"] = ["email", "full_name", "language"]
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            form.base_fields["unit"].queryset = access.units(  # type: ignore[attr-defined]
                request.user, Perm.MEMBER_MANAGE
            )
        return form

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["email", "full_name", "language", "unit", "role"]
        return super().get_fields(request, obj)

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return [MembershipInline] if obj else []

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.user_update(
                actor=acting_user(request),
                user=obj,
                changes={field: data[field] for field in form.changed_data},
            )
            return
        created = services.user_invite(
            actor=acting_user(request),
            email=data["email"],
            full_name=data["full_name"],
            language=data.get("language", ""),
            unit=data["unit"],
            role=data["role"],
            base_url=request.build_absolute_uri("/"),
        )
        obj.pk = created.pk
        obj._state.adding = False


class MembershipForm(forms.ModelForm[Membership]):
    class Meta:
        model = Membership
        fields = ["user", "unit", "role"]


@admin.register(Membership, site=site)
class MembershipAdmin(ScopedAdmin):
    perm_view = Perm.MEMBER_MANAGE
    perm_change = Perm.MEMBER_MANAGE
    form = MembershipForm
    list_display = ["user", "role", "unit", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "unit__name", "unit__code"]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["user", "unit"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return access.memberships(request.user, Perm.MEMBER_MANAGE)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "unit":
            kwargs["queryset"] = access.units(request.user, Perm.MEMBER_MANAGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return access.has_anywhere(request.user, Perm.MEMBER_MANAGE)
        return access.can(request.user, Perm.MEMBER_MANAGE, obj.unit)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.membership_grant(
            actor=acting_user(request), user=data["user"], unit=data["unit"], role=data["role"]
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.membership_revoke(actor=acting_user(request), membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("unit", "user"):
            services.membership_revoke(actor=acting_user(request), membership=membership)


class HolidayInline(admin.TabularInline[Holiday, Jurisdiction]):
    model = Holiday
    extra = 1
    fields = ["date", "name"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and access.can_manage_jurisdiction(request.user, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and access.can_manage_jurisdiction(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and access.can_manage_jurisdiction(request.user, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


@admin.register(Jurisdiction, site=site)
class JurisdictionAdmin(ScopedAdmin):
    """Operators set up jurisdictions; a country's administrators keep its school calendar
    and the deadlines the procedure marks as defaults."""

    list_display = ["code", "name", "time_zone", "procedure_code"]
    perm_view = Perm.UNIT_MANAGE
    inlines = [HolidayInline]
    fields = [
        "code",
        "names",
        "languages",
        "time_zone",
        "procedure_code",
        "first_response_hours",
        "acknowledge_minutes",
        "deadline_overrides",
        "weekend_days",
        "school_day_start",
        "school_day_end",
        "phone_numbers",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if access.is_operator(request.user):
            return []
        return ["code", "names", "languages", "time_zone", "procedure_code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return access.is_operator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return access.has_anywhere(request.user, Perm.UNIT_MANAGE)
        return access.can_manage_jurisdiction(request.user, obj)

    def save_model(self, request: HttpRequest, obj: Jurisdiction, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=acting_user(request),
            action="jurisdiction.update" if change else "jurisdiction.create",
            obj=obj,
            details={"changed": form.changed_data},
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            audit_record(
                actor=acting_user(request),
                action="jurisdiction.holidays",
                obj=form.instance,
                details={"rows": len(formset.forms)},
            )


# The audit log's admin lives here, not in audit: audit sits below orgs and must not ask its
# access rules (orgs records into audit, so the reverse import would be a cycle).
@admin.register(AuditEvent, site=site)
class AuditEventAdmin(ScopedAdmin):
    """Read-only: the log is append-only and nobody edits history, operators included."""

    perm_view = Perm.AUDIT_VIEW
    list_display = ["created_at", "actor_label", "action", "object_repr", "org_unit"]
    list_filter = ["action"]
    search_fields = ["actor_label", "object_repr", "action"]
    list_select_related = ["org_unit"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        queryset = super().get_queryset(request)
        if access.is_operator(request.user):
            return queryset
        return queryset.filter(org_unit__in=access.units(request.user, Perm.AUDIT_VIEW))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OnCallForm(forms.ModelForm[OnCall]):
    weekdays = forms.TypedMultipleChoiceField(
        choices=sorted(WEEKDAYS.items()),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label=_("days"),
    )

    class Meta:
        model = OnCall
        fields = ["unit", "user", "weekdays", "start_time", "end_time"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = ("unit", "user", "weekdays", "start_time", "end_time")
        if all(data.get(name) is not None for name in names):
            try:
                services.on_call_clean(OnCall(**{name: data[name] for name in names}))
            except InvalidInput as exc:
                raise forms.ValidationError(str(exc.message)) from exc
        return data


@admin.register(OnCall, site=site)
class OnCallAdmin(ScopedAdmin):
    """A unit's administrator names who answers urgent reports when (the rota)."""

    form = OnCallForm
    list_display = ["unit", "user", "start_time", "end_time"]
    list_select_related = ["unit", "user"]
    search_fields = ["unit__name", "unit__code", "user__email", "user__full_name"]
    autocomplete_fields = ["unit", "user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[OnCall]:
        units = access.units(request.user, Perm.UNIT_MANAGE)
        return OnCall.objects.filter(unit__in=units)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "unit":
            kwargs["queryset"] = access.units(request.user, Perm.UNIT_MANAGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None:
            return access.can(request.user, Perm.UNIT_MANAGE, obj.unit)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return access.has_anywhere(request.user, Perm.UNIT_MANAGE)
        return access.can(request.user, Perm.UNIT_MANAGE, obj.unit)

    def save_model(self, request: HttpRequest, obj: OnCall, form: Any, change: bool) -> None:
        services.on_call_save(actor=acting_user(request), duty=obj)  # checked by the form

    def delete_model(self, request: HttpRequest, obj: OnCall) -> None:
        services.on_call_delete(actor=acting_user(request), duty=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[OnCall]) -> None:
        for duty in queryset.select_related("unit", "user"):
            services.on_call_delete(actor=acting_user(request), duty=duty)
