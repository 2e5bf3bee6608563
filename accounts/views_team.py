"""A clinical lead's management of accounts: create and invite, change role, deactivate, reset a second factor.

A lead manages their own clinic's accounts only: another clinic's member is a 404, like one that does not exist, and
an account a lead creates joins the lead's clinic. Every action is recorded in accounts.AccountEvent. Staff and
superuser accounts are managed in the admin only, and a lead cannot change their own role or deactivate themselves
(another lead can).
"""
from django.contrib import messages
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import mail, second_factor, sessions
from accounts.forms import MemberCreateForm, RoleForm
from accounts.models import AccountEvent, Membership, clinic_of, record
from screening.access import require_clinic
from screening.roles import ROLES, is_lead, role_of


def lead_only(request) -> int:
    """The id of the lead's clinic; 403 for anyone who is not a clinical lead or whose account has no clinic."""
    if not is_lead(request.user):
        raise PermissionDenied("Accounts are managed by clinical leads.")
    return require_clinic(request.user)


def managed_member(request, pk: int, *, not_self: bool = False) -> User:
    member = get_object_or_404(User, pk=pk, membership__clinic_id=lead_only(request))
    if member.is_staff or member.is_superuser:
        raise PermissionDenied("Administrator accounts are managed in the admin site.")
    if not_self and member.pk == request.user.pk:
        raise PermissionDenied("Another clinical lead must make this change to your own account.")
    return member


def invite(request, member) -> None:
    try:
        mail.send_invitation(request, member, request.user)
    except mail.SEND_ERRORS:
        messages.error(request, f"{member.username}: {mail.FAILED}")
        return
    record(request.user, "invited", member, member.email)
    messages.success(request, f"An invitation to choose a password went to {member.email}.")


@require_GET
def team(request):
    clinic_id = lead_only(request)
    members = User.objects.filter(membership__clinic_id=clinic_id).order_by("username").prefetch_related("groups")
    rows = [{"user": m, "role": role_of(m), "enrolled": second_factor.enrolled(m)} for m in members]
    events = AccountEvent.objects.filter(subject__membership__clinic_id=clinic_id).select_related("actor", "subject")
    return render(request, "accounts/team.html", {"rows": rows, "events": events[:30],
                                                  "clinic": clinic_of(request.user)})


@require_http_methods(["GET", "POST"])
def member_new(request):
    clinic_id = lead_only(request)
    form = MemberCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            member = User.objects.create_user(username=data["username"], email=data["email"], password=None)
            Membership.objects.create(user=member, clinic_id=clinic_id)
            member.groups.add(Group.objects.get(name=data["role"]))
            record(request.user, "created", member, data["role"])
        invite(request, member)
        return redirect("team_member", pk=member.pk)
    return render(request, "accounts/member_new.html", {"form": form})


@require_GET
def member(request, pk):
    member = managed_member(request, pk)
    return render(request, "accounts/member.html", {
        "member": member, "role": role_of(member), "enrolled": second_factor.enrolled(member),
        "is_self": member.pk == request.user.pk, "role_form": RoleForm(initial={"role": role_of(member)}),
        "events": AccountEvent.objects.filter(subject=member).select_related("actor")[:50],
    })


@require_POST
def member_role(request, pk):
    member = managed_member(request, pk, not_self=True)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles listed.")
        return redirect("team_member", pk=pk)
    old, new = role_of(member), form.cleaned_data["role"]
    if old != new:
        with transaction.atomic():
            member.groups.remove(*Group.objects.filter(name__in=ROLES))
            member.groups.add(Group.objects.get(name=new))
            record(request.user, "role_changed", member, f"{old or 'no role'} → {new}")
        messages.success(request, f"{member.username} is now {new}.")
    return redirect("team_member", pk=pk)


@require_POST
def member_active(request, pk):
    member = managed_member(request, pk, not_self=True)
    activate = request.POST.get("active") == "1"
    if member.is_active != activate:
        with transaction.atomic():
            member.is_active = activate
            member.save(update_fields=["is_active"])
            sessions.end_everywhere(member)
            record(request.user, "reactivated" if activate else "deactivated", member)
        messages.success(request, f"{member.username} can {'' if activate else 'no longer '}sign in.")
    return redirect("team_member", pk=pk)


@require_POST
def member_second_factor(request, pk):
    member = managed_member(request, pk)
    with transaction.atomic():
        second_factor.reset(member)
        sessions.end_everywhere(member)
        record(request.user, "second_factor_reset", member)
    messages.success(request, f"{member.username}'s second factor is removed and their sessions ended; they set up "
                              "a new authenticator app at their next sign-in.")
    if member.pk == request.user.pk:
        return redirect("login")
    return redirect("team_member", pk=pk)


@require_POST
def member_invite(request, pk):
    member = managed_member(request, pk)
    if not member.email:
        messages.error(request, f"{member.username} has no email address to send an invitation to.")
    elif not member.is_active:
        messages.error(request, f"{member.username} is deactivated; reactivate the account first.")
    else:
        invite(request, member)
    return redirect("team_member", pk=pk)


@require_POST
def member_sign_out(request, pk):
    member = managed_member(request, pk)
    sessions.end_everywhere(member)
    record(request.user, "signed_out_everywhere", member)
    messages.success(request, f"{member.username} is signed out on every device.")
    if member.pk == request.user.pk:
        return redirect("login")
    return redirect("team_member", pk=pk)
