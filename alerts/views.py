"""Pages for following cases, preferences, notifications and deadlines; writes go through services."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required, login_required, permission_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import PrivateAddress
from accounts.services import private_address_reader
from cases.models import Case
from tracker.next_url import next_url

from . import selectors, services
from .calendar import deadlines_ical
from .forms import DeadlineForm, FollowPreferencesForm, SavedSearchForm
from .models import Deadline, Follow, SavedSearch
from .tokens import search_unsubscribe_token_read, unsubscribe_token_read


def _back(request, fallback):
    """Where a button on another page sends the user afterwards: its ?next= if it is ours."""
    return redirect(next_url(request, fallback))


@permission_required("cases.view_case", raise_exception=True)
def home_briefing(request):
    """What changed and what is due on the cases the user follows: loaded into the top of the home
    page (the case list, which belongs to ``cases`` and knows nothing of follows), or a page of its
    own without JavaScript. Each look counts as the user's visit."""
    since = services.home_visit_record(user=request.user)
    context = {"briefing": selectors.home_briefing(user=request.user, since=since), "today": timezone.localdate()}
    template = "alerts/_home_briefing.html" if request.htmx else "alerts/home_briefing.html"
    return render(request, template, context)


@login_required
def following(request):
    return render(
        request,
        "alerts/following.html",
        {
            "follows": selectors.user_follows(user=request.user),
            "saved_searches": selectors.user_saved_searches(user=request.user),
            "calendar_addresses": request.user.private_addresses.active().filter(purpose=PrivateAddress.Purpose.CALENDAR),
        },
    )


@login_required
def notifications(request):
    page = Paginator(selectors.user_alerts(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "alerts/notifications.html", {
        "page": page, "alerts": page.object_list, "left_out": selectors.user_preferences_left_out(user=request.user),
    })


# Following means being sent what is logged on the case: only for those who may read it.
@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_POST
def case_follow(request, reference):
    case = get_object_or_404(Case, reference=reference)
    follow = services.case_follow(user=request.user, case=case)
    messages.success(request, f"You follow {case}. {follow.sent_text} Change this under “Following”.")
    return _back(request, case)


@login_required
@require_POST
def case_unfollow(request, reference):
    case = get_object_or_404(Case, reference=reference)
    services.case_unfollow(user=request.user, case=case)
    messages.success(request, f"You no longer follow {case}.")
    return _back(request, case)


@login_required
def follow_edit(request, pk):
    follow = get_object_or_404(Follow.objects.select_related("case"), pk=pk, user=request.user)
    form = FollowPreferencesForm(request.POST or None, instance=follow)
    if request.method == "POST" and form.is_valid():
        services.follow_update(
            follow=follow, delivery=form.cleaned_data["delivery"], scope=form.cleaned_data["scope"], by=request.user
        )
        messages.success(request, f"Preferences for {follow.case} saved.")
        return redirect("alerts:following")
    return render(request, "alerts/follow_form.html", {"form": form, "follow": follow})


@login_required
@permission_required("alerts.add_deadline", raise_exception=True)
def deadline_create(request, reference):
    case = get_object_or_404(Case, reference=reference)
    form = DeadlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.deadline_create(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Deadline recorded; followers will be reminded ahead of it.")
            return redirect(case)
    return render(request, "alerts/deadline_form.html", {"form": form, "case": case})


@login_required
@permission_required("alerts.change_deadline", raise_exception=True)
def deadline_edit(request, pk):
    deadline = get_object_or_404(Deadline.objects.select_related("case"), pk=pk)
    if deadline.computed:
        return _computed_refused(request, deadline)
    form = DeadlineForm(request.POST or None, instance=deadline)
    if request.method == "POST" and form.is_valid():
        try:
            services.deadline_update(deadline=deadline, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Deadline saved.")
            return redirect(deadline.case)
    return render(request, "alerts/deadline_form.html", {"form": form, "case": deadline.case, "deadline": deadline})


@login_required
@permission_required("alerts.change_deadline", raise_exception=True)
@require_POST
def deadline_done(request, pk):
    deadline = get_object_or_404(Deadline.objects.select_related("case"), pk=pk)
    if deadline.computed:
        return _computed_refused(request, deadline)
    services.deadline_mark_done(deadline=deadline, by=request.user)
    messages.success(request, f"Marked done: {deadline.title}.")
    return _back(request, deadline.case)


def _computed_refused(request, deadline):
    messages.error(
        request,
        f"“{deadline.title}” is computed from the case's record: it is met or stopped by the events that "
        "follow, and corrected or set aside under “Time limits” on the case page.",
    )
    return redirect(deadline.case)


# Mail clients post here without a session or CSRF token (RFC 8058 one-click); the signed token is the proof.
@login_not_required
@csrf_exempt
def unsubscribe(request, token):
    try:
        user_id, case_id = unsubscribe_token_read(token)
    except signing.BadSignature:
        return render(request, "alerts/unsubscribe.html", {"invalid": True}, status=400)
    user = get_object_or_404(get_user_model(), pk=user_id)
    case = Case.objects.filter(pk=case_id).first() if case_id is not None else None
    if case_id is not None and case is None:
        raise Http404("That case no longer exists.")
    done = False
    if request.method == "POST":
        services.follows_unsubscribe(user=user, case=case)
        if case is None:
            # The digest's link: the digest also carries the matches of saved searches chosen for it.
            services.saved_searches_unsubscribe(user=user, saved_search=None)
        done = True
    return render(request, "alerts/unsubscribe.html", {"case": case, "done": done, "token": token})


@login_not_required
def calendar_feed(request, token):
    user = private_address_reader(key=token, purpose=PrivateAddress.Purpose.CALENDAR)
    if user is None:
        raise Http404("No such calendar.")
    body = deadlines_ical(deadlines=selectors.user_calendar_deadlines(user_id=user.pk))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    return response


# Saved searches: a case-list filter followed like a case, so only for those who may read cases.
@login_required
@permission_required("cases.view_case", raise_exception=True)
def saved_search_create(request):
    """The case list's "Save this search": its query string arrives in the address."""
    query = request.GET.urlencode()
    # A first name for it from its filters, which the user will usually shorten.
    initial = {"query": query, "name": selectors.saved_search_describe(query=query, labels=False)[:100]}
    form = SavedSearchForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            search = services.saved_search_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Search “{search.name}” saved. New cases and events it matches will alert you.")
            return redirect("alerts:following")
    return _saved_search_form(request, form, search=None)


@login_required
def saved_search_edit(request, pk):
    search = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    form = SavedSearchForm(request.POST or None, instance=search)
    if request.method == "POST" and form.is_valid():
        try:
            services.saved_search_update(saved_search=search, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Search “{search.name}” saved.")
            return redirect("alerts:following")
    return _saved_search_form(request, form, search=search)


def _saved_search_form(request, form, *, search):
    query = form["query"].value() or ""
    return render(
        request,
        "alerts/saved_search_form.html",
        {"form": form, "search": search, "description": selectors.saved_search_describe(query=query), "query": query},
    )


@login_required
@require_POST
def saved_search_delete(request, pk):
    search = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    services.saved_search_delete(saved_search=search, by=request.user)
    messages.success(request, f"Search “{search.name}” deleted.")
    return redirect("alerts:following")


# Like the case unsubscribe link: posted by mail clients without a session; the signed token is the proof.
@login_not_required
@csrf_exempt
def search_unsubscribe(request, token):
    try:
        user_id, search_id = search_unsubscribe_token_read(token)
    except signing.BadSignature:
        return render(request, "alerts/unsubscribe.html", {"invalid": True}, status=400)
    search = get_object_or_404(SavedSearch, pk=search_id, user_id=user_id)
    done = False
    if request.method == "POST":
        services.saved_searches_unsubscribe(user=search.user, saved_search=search)
        done = True
    return render(request, "alerts/search_unsubscribe.html", {"search": search, "done": done, "token": token})
