"""
The analyst's workspace. Views read the request, call one service or selector, and render; the
rules live in services.py. Every page also works without JavaScript; with htmx, forms on the case
page swap in place.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from . import names, search, selectors, services
from .picture import case_picture_html
from .filters import CaseFilter, stage_counts
from .fields import date_reading_context
from .forms import (
    NewPerson,
    CaseCloseForm,
    CaseCreateForm,
    CaseForm,
    CaseOutcomeForm,
    CasePartyForm,
    CaseRelationForm,
    CaseReopenForm,
    PersonForm,
    PersonNameFormSet,
    PersonSearchForm,
    SourceFormSet,
    StageChangeForm,
    StatementEventForm,
    TreatyForm,
    event_form_class,
)
from .models import Case, CaseParty, CaseRelation, Event, Person, Stage, StatusCategory, Treaty, stages_ahead

CASES_PER_PAGE = 25
PEOPLE_PER_PAGE = 50
TREATIES_PER_PAGE = 50

# Service errors name model fields; some forms show them under another name.
FORM_FIELD_FOR = {"occurred_on": "date"}


def _attach_errors(form, error: ValidationError) -> None:
    """Show a service's refusal next to the field it concerns, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        name = FORM_FIELD_FOR.get(field, field)
        if name in form.fields:
            form.add_error(name, errors)
        else:
            label = field.replace("_", " ").capitalize() if field != "__all__" else ""
            form.add_error(None, [f"{label}: {m}" if label else m for e in errors for m in e.messages])


def _stale_message(request, what: str) -> None:
    messages.error(
        request,
        f"Someone else saved this {what} while you were editing it. Your changes are in the form below and "
        "have not been saved; the version now saved is shown beside them. Merge the two and save again.",
    )


# Case list ----------------------------------------------------------------------------------------


@permission_required("cases.view_case", raise_exception=True)
def case_list(request):
    filterset = CaseFilter(request.GET, queryset=selectors.case_with_parties())
    filterset.is_valid()
    counts = stage_counts(filterset)
    chosen = filterset.form.cleaned_data.get("stage") or list(counts)
    total = sum(counts.get(stage, 0) for stage in chosen)
    paginator = Paginator(selectors.case_list_order_rarely_matched(filterset.qs, total=total), CASES_PER_PAGE)
    # The stage counts already cover every other filter: their sum is the list's length, which
    # saves the paginator a second scan of the same cases.
    paginator.count = total
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = _mark_related(list(page.object_list))
    # Why each case of the page matched the search: a snippet under its title.
    snippets = search.case_search_snippets(page.object_list, filterset.form.cleaned_data.get("q") or "")
    for case in page.object_list:
        case.search_snippet = snippets.get(case.pk, "")
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "stage_counts": [(value, label, counts.get(value, 0)) for value, label in Stage.choices],
        "total": sum(counts.values()),
        "query": query.urlencode(),
        # The home page: the list as it opens, with what changed and what is due above it.
        "home": not request.GET,
    }
    template = "cases/_case_results.html" if request.htmx and not request.htmx.boosted else "cases/case_list.html"
    return render(request, template, context)


def _mark_related(cases: list[Case]) -> list[Case]:
    """Flag the cases of one list page that have related matters, in one query for the whole page."""
    ids = [case.pk for case in cases]
    linked = set()
    if ids:
        pairs = CaseRelation.objects.filter(
            Q(case_id__in=ids) | Q(related_case_id__in=ids),
            case__deleted_at__isnull=True,
            related_case__deleted_at__isnull=True,
        ).values_list("case_id", "related_case_id")
        for pair in pairs:
            linked.update(pair)
    for case in cases:
        case.has_related = case.pk in linked
    return cases


# Case page ----------------------------------------------------------------------------------------


def _case_or_404(reference) -> Case:
    # Whether the case has related matters comes with the case itself, so that the many cases
    # without any cost no query for them (the page's budget is ten queries).
    linked = Exists(CaseRelation.objects.filter(Q(case=OuterRef("pk")) | Q(related_case=OuterRef("pk"))))
    return get_object_or_404(
        selectors.cases_with_as_of(selectors.case_with_parties()).annotate(has_related=linked), reference=reference
    )


def _case_to_change_or_404(reference) -> Case:
    """The case a form or a write acts on: its own row only. The forms show its title and stage,
    and a write reads what it checks under a lock; the page shown after (``_case_updated``) is read
    afresh. Compiling the case page's query alone took a stage change 3–5 ms."""
    return get_object_or_404(Case.objects.defer("search_vector"), reference=reference)


def _showing_only(kinds: list[str], categories: list[str]) -> str:
    """The timeline's filter in words: "Court ruling, Government statement; status updates about health"."""
    said = ", ".join(label for value, label in Event.Kind.choices if value in kinds)
    if categories:
        about = ", ".join(label.lower() for value, label in StatusCategory.choices if value in categories)
        said = f"{said}; status updates about {about}" if said else f"status updates about {about}"
    return said


def _case_page_context(request, case: Case) -> dict:
    kinds = [k for k in request.GET.getlist("kind") if k in Event.Kind.values]
    categories = [c for c in request.GET.getlist("category") if c in StatusCategory.values]
    newest_first = request.GET.get("order") != "oldest"
    # "Load more" carries where the last page ended (?after=); an old ?page= link reads the first page.
    timeline = selectors.case_timeline_page(
        case=case, kinds=kinds, categories=categories, newest_first=newest_first, after=request.GET.get("after")
    )
    stage_track = selectors.case_stage_track(case=case)
    return {
        "case": case,
        "stage_track": stage_track,
        "stages_ahead": [] if case.closed_on else [Stage(stage).label for stage in stages_ahead(case.stage)],
        "as_of": selectors.case_as_of(case=case),
        "picture_html": case_picture_html(
            case=case, entries=lambda: selectors.case_picture_entries(case=case), stage_track=stage_track
        ),
        "related_matters": selectors.case_related_matters(case=case) if getattr(case, "has_related", True) else [],
        "timeline": timeline,
        "kinds": Event.Kind.choices,
        "selected_kinds": kinds,
        "categories": StatusCategory.choices,
        "selected_categories": categories,
        "newest_first": newest_first,
        "showing_only": _showing_only(kinds, categories),
        "timeline_query": "&".join(
            [f"kind={k}" for k in kinds] + [f"category={c}" for c in categories] + ([] if newest_first else ["order=oldest"])
        ),
    }


@permission_required("cases.view_case", raise_exception=True)
def case_detail(request, reference):
    case = _case_or_404(reference)
    context = _case_page_context(request, case)
    if request.htmx and request.htmx.target == "timeline-more":
        return render(request, "cases/_timeline_entries.html", context)
    if request.htmx and request.htmx.target == "case-live":
        return render(request, "cases/_case_live.html", context)
    return render(request, "cases/case_detail.html", context)


@require_POST
@permission_required("cases.add_event", raise_exception=True)
def case_checked(request, reference):
    """An analyst looked for news of the case and found nothing new: the page says so from now on."""
    case = _case_to_change_or_404(reference)
    services.case_mark_checked(case=case, by=request.user)
    return _case_updated(request, case, message="Marked as checked today: nothing new.")


def _case_updated(request, case: Case, *, message: str, anchor: str = "", error: bool = False):
    """After a write on the case page (or a refused one, with ``error``): swap the live part in
    place (htmx) or go back to the page."""
    if request.htmx:
        case = _case_or_404(case.reference)
        context = _case_page_context(request, case) | {"message": message, "message_level": "error" if error else "success"}
        if anchor.startswith("#event-") and not error:
            # The entry just saved takes the focus, so a keyboard or screen reader user lands on it.
            context["focus_event_id"] = int(anchor.removeprefix("#event-"))
        response = render(request, "cases/_case_updated.html", context)
        response["HX-Retarget"] = "#case-live"
        response["HX-Reswap"] = "outerHTML"
        return response
    (messages.error if error else messages.success)(request, message)
    return redirect(case.get_absolute_url() + anchor)


def _form_response(request, template: str, context: dict):
    """A form page, or just the form when htmx asked for it to be shown in the case page's panel."""
    if request.htmx:
        return render(request, "cases/_form_panel.html", context)
    return render(request, template, context)


@permission_required("cases.add_case", raise_exception=True)
def case_create(request):
    form = CaseCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                case = services.case_create(
                    by=request.user,
                    stage=data["stage"],
                    **{k: data[k] for k in CaseForm.Meta.fields},
                )
                person = _person_from(data["person_sought"], by=request.user)
                if person:
                    services.case_add_party(case=case, person=person, role=CaseParty.Role.PERSON_SOUGHT, by=request.user)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, f"Case “{case}” created.")
            return redirect(case)
    return render(request, "cases/case_form.html", {"form": form, "title": "New case"})


@permission_required("cases.change_case", raise_exception=True)
def case_edit(request, reference):
    case = get_object_or_404(Case, reference=reference)
    form = CaseForm(request.POST or None, instance=case, initial={"version": case.version})
    current = None
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_update(
                case=case,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **{k: form.cleaned_data[k] for k in CaseForm.Meta.fields},
            )
        except services.StaleEdit as stale:
            current = stale.current
            _stale_message(request, "case")
            form = CaseForm(_with_version(request.POST, current.version), instance=current)
            form.is_valid()
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, "Case saved.")
            return redirect(case)
    return render(
        request, "cases/case_form.html", {"form": form, "case": case, "current": current, "title": f"Edit {case}"}
    )


def _with_version(data, version: int):
    """The submitted form again, now based on the version saved since, so a second save is deliberate."""
    data = data.copy()
    data["version"] = str(version)
    return data


@permission_required("cases.change_case", raise_exception=True)
def case_stage_change(request, reference):
    case = _case_to_change_or_404(reference)
    form = StageChangeForm(request.POST or None, case=case)
    sources = SourceFormSet(request.POST or None, prefix="sources")
    if request.method == "POST" and form.is_valid() and sources.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                event = services.case_change_stage(
                    case=case,
                    to_stage=data["to_stage"],
                    reason=data["summary"],
                    occurred_on=data["occurred_on"],
                    date_precision=data["date_precision"],
                    date_approximate=data["date_approximate"],
                    reported_on=data["reported_on"],
                    confidence=data["confidence"],
                    note=data["note"],
                    authority=_authority_from(form),
                    sources=_sources_from(sources),
                    by=request.user,
                )
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            return _case_updated(
                request, case, message=f"Stage changed to “{event.get_to_stage_display()}”.", anchor=f"#event-{event.pk}"
            )
    context = {
        "case": case,
        "form": form,
        "sources": sources,
        "title": f"Change the stage (now “{case.get_stage_display()}”)",
        "action": reverse("cases:case_stage_change", args=[case.reference]),
    }
    return _form_response(request, "cases/event_form.html", context)


def _sources_from(formset) -> list:
    return [
        services.source_get_or_create(
            url=f.cleaned_data.get("url", ""),
            title=f.cleaned_data["title"],
            publisher=f.cleaned_data.get("publisher", ""),
            published_on=f.cleaned_data.get("published_on"),
        )
        for f in formset
        if f.cleaned_data and (f.cleaned_data.get("url") or f.cleaned_data.get("title"))
    ]


@permission_required("cases.change_case", raise_exception=True)
def case_close(request, reference):
    case = _case_to_change_or_404(reference)
    closing = case.is_open
    form = (CaseCloseForm if closing else CaseReopenForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if closing:
                services.case_close(
                    case=case,
                    outcome=data["outcome"],
                    after_surrender=data["after_surrender"],
                    closed_on=data["closed_on"],
                    note=data["note"],
                    by=request.user,
                )
            else:
                services.case_reopen(case=case, reason=data["reason"], on=data["on"], by=request.user)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            return _case_updated(request, case, message="Case closed." if closing else "Case reopened.")
    context = {
        "case": case,
        "form": form,
        "title": "Close the case" if closing else "Reopen the case",
        "action": reverse("cases:case_close", args=[case.reference]),
    }
    return _form_response(request, "cases/event_form.html", context)


@permission_required("cases.change_case", raise_exception=True)
def case_outcome(request, reference):
    """The extradition outcome and what became of the person after surrender, open case or closed."""
    case = _case_to_change_or_404(reference)
    form = CaseOutcomeForm(request.POST or None, initial={"outcome": case.outcome, "after_surrender": case.after_surrender})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if (data["outcome"], data["after_surrender"]) == (case.outcome, case.after_surrender):
            return _case_updated(request, case, message="The outcome is unchanged.")
        try:
            services.case_set_outcome(
                case=case, outcome=data["outcome"], after_surrender=data["after_surrender"], by=request.user
            )
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            return _case_updated(request, case, message="Outcome recorded.")
    context = {
        "case": case,
        "form": form,
        "title": "Record the outcome",
        "action": reverse("cases:case_outcome", args=[case.reference]),
    }
    return _form_response(request, "cases/event_form.html", context)


@permission_required("cases.change_case", raise_exception=True)
def case_relation_add(request, reference):
    case = _case_to_change_or_404(reference)
    form = CaseRelationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_relate(
                case=case, related_case=data["related_case"], relation=data["relation"], note=data["note"], by=request.user
            )
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            return _case_updated(request, case, message=f"“{data['related_case']}” linked as a related matter.")
    context = {
        "case": case,
        "form": form,
        "title": "Link a related matter",
        "action": reverse("cases:case_relation_add", args=[case.reference]),
    }
    return _form_response(request, "cases/event_form.html", context)


@require_POST
@permission_required("cases.change_case", raise_exception=True)
def case_relation_remove(request, reference, pk):
    case = _case_to_change_or_404(reference)
    relation = get_object_or_404(
        CaseRelation.objects.select_related("case", "related_case"), Q(case=case) | Q(related_case=case), pk=pk
    )
    other = relation.other(case)
    services.case_unrelate(relation=relation, by=request.user)
    return _case_updated(request, case, message=f"“{other}” is no longer linked to this case.")


@permission_required("cases.view_case", raise_exception=True)
def case_suggest(request):
    """<option>s for the cases datalist: cases whose reference or title contains what was typed."""
    text = next((v.strip() for v in request.GET.values() if v.strip()), "")[:200].replace("\x00", "")
    cases = (
        list(Case.objects.filter(Q(reference__icontains=text) | Q(title__icontains=text)).order_by("title", "pk")[:10])
        if len(text) >= 2
        else []
    )
    return render(request, "cases/_case_options.html", {"cases": cases})


@permission_required("cases.change_case", raise_exception=True)
def case_party_add(request, reference):
    case = _case_to_change_or_404(reference)
    form = CasePartyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                person = _person_from(data["person"], by=request.user)
                services.case_add_party(case=case, person=person, role=data["role"], note=data["note"], by=request.user)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            return _case_updated(request, case, message=f"{person} added as {dict(CaseParty.Role.choices)[data['role']].lower()}.")
    context = {
        "case": case,
        "form": form,
        "title": "Add a person to the case",
        "action": reverse("cases:case_party_add", args=[case.reference]),
    }
    return _form_response(request, "cases/event_form.html", context)


@require_POST
@permission_required("cases.change_case", raise_exception=True)
def case_party_remove(request, reference, pk):
    party = get_object_or_404(CaseParty.objects.select_related("case", "person"), pk=pk, case__reference=reference)
    services.case_remove_party(party=party, by=request.user)
    return _case_updated(request, party.case, message=f"{party.person} removed from the case.")


# Events -------------------------------------------------------------------------------------------


@permission_required("cases.add_event", raise_exception=True)
def event_create(request, reference, kind):
    if kind not in Event.Kind.values or kind == Event.Kind.STAGE_CHANGE:
        raise Http404("No such kind of event.")
    case = _case_to_change_or_404(reference)
    form_class = event_form_class(kind)
    form_kwargs = {"case": case}
    form = form_class(request.POST or None, **form_kwargs)
    sources = SourceFormSet(request.POST or None, prefix="sources")
    if request.method == "POST" and form.is_valid() and sources.is_valid():
        try:
            with transaction.atomic():
                event = _event_create_from(form, case=case, kind=kind, sources=_sources_from(sources), by=request.user)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            return _case_updated(
                request, case, message=f"{Event.Kind(kind).label} added to the timeline.", anchor=f"#event-{event.pk}"
            )
    context = {
        "case": case,
        "form": form,
        "sources": sources,
        "kind": kind,
        "title": f"Add {_with_article(Event.Kind(kind).label.lower())}",
        "action": reverse("cases:event_create", args=[case.reference, kind]),
    }
    return _form_response(request, "cases/event_form.html", context)


def _with_article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _authority_from(form):
    new = form.new_authority()
    return services.authority_get_or_create(**new) if new else form.cleaned_data.get("authority")


def _person_from(value, *, by):
    """The person a lookup field chose, or the new person it named, added now (in the record's transaction)."""
    if isinstance(value, NewPerson):
        return services.person_create(name=value.name, by=by)
    return value


def _event_create_from(form, *, case, kind, sources, by) -> Event:
    if kind == Event.Kind.STATEMENT:
        statement = services.statement_record(
            cases=[case, *form.cleaned_data["also_cases"]],
            speaker=_person_from(form.cleaned_data.get("speaker"), by=by),
            authority=_authority_from(form),
            sources=sources,
            by=by,
            **form.statement_values(),
            **form.common_values(),
        )
        return statement.events.get(case=case)
    values = _kind_values(form, by=by)
    values["authority"] = _authority_from(form)
    return services.event_record(case=case, kind=kind, sources=sources, by=by, **values, **form.common_values())


def _kind_values(form, *, by) -> dict:
    values = form.kind_values()
    if "official" in values:
        values["official"] = _person_from(form.cleaned_data.get("official"), by=by)
    return values


def _event_form_initial(event: Event) -> dict:
    initial = {
        name: getattr(event, name)
        for name in ("reported_on", "summary", "note", "confidence", "authority")
    }
    initial["version"] = event.version
    for name in services.EVENT_KIND_FIELDS[event.kind]:
        initial[name] = getattr(event, name)
    if event.statement_id:
        statement = event.statement
        initial.update({name: getattr(statement, name) for name in StatementEventForm.statement_fields})
        initial["speaker"] = statement.speaker
    if event.kind == Event.Kind.STAGE_CHANGE:
        initial["to_stage"] = event.to_stage
    return initial


def _source_initial(event: Event) -> list[dict]:
    return [
        {"url": s.url, "title": s.title, "publisher": s.publisher, "published_on": s.published_on} for s in event.sources.all()
    ]


@permission_required("cases.change_event", raise_exception=True)
def event_edit(request, pk):
    event = get_object_or_404(selectors.with_cases_unsearched(Event.objects.select_related("statement", "authority")), pk=pk)
    case = event.case
    form_class = event_form_class(event.kind)
    form_kwargs = {"case": case, "editing": True} if form_class is StatementEventForm else {"case": case}
    form = form_class(request.POST or None, initial=_event_form_initial(event), **form_kwargs)
    form.initial_date_from(event)
    if event.kind == Event.Kind.STAGE_CHANGE:
        # The move itself is the audit trail: only its reason, reporting and sources can be corrected.
        for name in ("to_stage", "date"):
            form.fields[name].disabled = True
    sources = SourceFormSet(request.POST or None, prefix="sources", initial=_source_initial(event))
    current = None
    if request.method == "POST" and form.is_valid() and sources.is_valid():
        values = form.common_values()
        if event.kind == Event.Kind.STAGE_CHANGE:
            values = {k: v for k, v in values.items() if k in ("summary", "reported_on", "note", "confidence")}
        try:
            with transaction.atomic():
                statement_changes = None
                if event.kind == Event.Kind.STATEMENT:
                    statement_changes = form.statement_values() | {"speaker": _person_from(form.cleaned_data.get("speaker"), by=request.user)}
                elif event.kind != Event.Kind.STAGE_CHANGE:
                    values |= _kind_values(form, by=request.user)
                values["authority"] = _authority_from(form)
                event = services.event_update(
                    event=event,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    sources=_sources_from(sources),
                    statement_changes=statement_changes,
                    **values,
                )
        except services.StaleEdit as stale:
            current = stale.current
            _stale_message(request, "event")
            form = form_class(_with_version(request.POST, current.version), initial=_event_form_initial(current), **form_kwargs)
            form.is_valid()
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            return _case_updated(request, case, message="Event saved.", anchor=f"#event-{event.pk}")
    context = {
        "case": case,
        "event": event,
        "current": current,
        "form": form,
        "sources": sources,
        "kind": event.kind,
        "title": f"Edit {event.get_kind_display().lower()}",
        "action": reverse("cases:event_edit", args=[event.pk]),
    }
    return _form_response(request, "cases/event_form.html", context)


@require_POST
@permission_required("cases.change_event", raise_exception=True)
def event_move(request, pk):
    """Move an entry one place earlier or later on its timeline, where the dates allow it."""
    event = get_object_or_404(selectors.with_cases_unsearched(Event.objects.all()), pk=pk)
    direction = request.POST.get("direction")
    anchor = f"#event-{event.pk}"
    if direction not in ("earlier", "later"):
        return _case_updated(request, event.case, message="Say whether to move the entry earlier or later.", anchor=anchor, error=True)
    try:
        services.event_move_step(event=event, later=direction == "later", by=request.user)
    except ValidationError as error:
        return _case_updated(request, event.case, message=" ".join(error.messages), anchor=anchor, error=True)
    return _case_updated(request, event.case, message=f"Entry moved {direction}.", anchor=anchor)


@require_POST
@permission_required("cases.delete_event", raise_exception=True)
def event_delete(request, pk):
    event = get_object_or_404(selectors.with_cases_unsearched(Event.objects.all()), pk=pk)
    try:
        services.event_delete(event=event, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(event.case)
    return _case_updated(request, event.case, message="Event deleted. An administrator can restore it from the admin.")


@require_POST
@permission_required("cases.delete_case", raise_exception=True)
def case_delete(request, reference):
    case = get_object_or_404(Case, reference=reference)
    services.case_delete(case=case, by=request.user)
    messages.success(request, f"Case “{case}” deleted. An administrator can restore it from the admin.")
    if request.htmx:
        return HttpResponseClientRedirect(reverse("cases:case_list"))
    return redirect("cases:case_list")


# History ------------------------------------------------------------------------------------------


@permission_required("cases.view_case", raise_exception=True)
def case_history(request, reference):
    case = get_object_or_404(Case, reference=reference)
    return render(
        request,
        "cases/history.html",
        {"object": case, "what": "case", "case": case, "changes": selectors.history_changes(history=case.history.all())},
    )


@permission_required("cases.view_event", raise_exception=True)
def event_history(request, pk):
    event = get_object_or_404(selectors.with_cases_unsearched(Event.objects.all()), pk=pk)
    changes = selectors.history_changes(history=event.history.all())
    return render(request, "cases/history.html", {"object": event, "what": "event", "case": event.case, "changes": changes})


@permission_required("cases.view_person", raise_exception=True)
def person_history(request, pk):
    person = get_object_or_404(Person, pk=pk)
    changes = selectors.history_changes(history=person.history.all())
    return render(request, "cases/history.html", {"object": person, "what": "person", "changes": changes})


# People -------------------------------------------------------------------------------------------


@permission_required("cases.view_person", raise_exception=True)
def person_list(request):
    search = PersonSearchForm(request.GET)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    # Best matches first when searching; everyone by name otherwise.
    people = names.people_matching(query) if query else Person.objects.order_by("name", "pk")
    page = Paginator(people.prefetch_related("names"), PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "search": search, "suggestion": names.name_suggestion(query) if query else None}
    return render(request, "cases/person_list.html", context)


@permission_required("cases.view_person", raise_exception=True)
def person_suggest(request):
    """<option>s for the people datalist: whoever's names answer what was typed, best first."""
    text = next((v.strip() for v in request.GET.values() if v.strip()), "")[:200].replace("\x00", "")
    people = list(names.people_matching(text)[:10]) if len(text) >= 2 else []
    shown = [p.name.casefold() for p in people]
    options = [(p.name if shown.count(p.name.casefold()) == 1 else f"#{p.pk} {p.name}", p) for p in people]
    return render(request, "cases/_person_options.html", {"options": options})


@permission_required("cases.view_person", raise_exception=True)
def person_detail(request, pk):
    person = get_object_or_404(Person.objects.prefetch_related("names", "roles__case"), pk=pk)
    return render(request, "cases/person_detail.html", {"person": person})


@permission_required("cases.add_person", raise_exception=True)
def person_create(request):
    return _person_form(request, Person())


@permission_required("cases.change_person", raise_exception=True)
def person_edit(request, pk):
    return _person_form(request, get_object_or_404(Person, pk=pk))


def _person_form(request, person: Person):
    creating = person.pk is None
    form = PersonForm(request.POST or None, instance=person, initial={"version": person.version})
    names = PersonNameFormSet(request.POST or None, instance=person, prefix="names")
    current = None
    if request.method == "POST" and form.is_valid() and names.is_valid():
        fields = {k: form.cleaned_data[k] for k in ("name", "nationality", "description")}
        variants = [
            (f.cleaned_data["name"], f.cleaned_data["kind"])
            for f in names.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("name")
        ]
        try:
            with transaction.atomic():
                if creating:
                    person = services.person_create(variants=variants, by=request.user, **fields)
                else:
                    person = services.person_update(
                        person=person, by=request.user, expected_version=form.cleaned_data["version"], **fields
                    )
                    services.person_set_names(person=person, names=variants, by=request.user)
        except services.StaleEdit as stale:
            current = stale.current
            _stale_message(request, "person")
            form = PersonForm(_with_version(request.POST, current.version), instance=current)
            form.is_valid()
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, f"{person} saved.")
            return redirect(person)
    title = "New person" if creating else f"Edit {person}"
    return render(
        request, "cases/person_form.html", {"form": form, "names": names, "person": person, "current": current, "title": title}
    )


# Treaties -----------------------------------------------------------------------------------------


@permission_required("cases.view_treaty", raise_exception=True)
def treaty_list(request):
    treaties = Treaty.objects.annotate(case_count=Count("cases", filter=Q(cases__deleted_at__isnull=True))).order_by("name", "pk")
    page = Paginator(treaties, TREATIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/treaty_list.html", {"page": page})


@permission_required("cases.view_treaty", raise_exception=True)
def treaty_detail(request, pk):
    treaty = get_object_or_404(Treaty, pk=pk)
    cases = selectors.case_with_parties(queryset=treaty.cases.all()).order_by("title", "pk")
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/treaty_detail.html", {"treaty": treaty, "page": page})


@permission_required("cases.add_treaty", raise_exception=True)
def treaty_create(request):
    return _treaty_form(request, Treaty())


@permission_required("cases.change_treaty", raise_exception=True)
def treaty_edit(request, pk):
    return _treaty_form(request, get_object_or_404(Treaty, pk=pk))


def _treaty_form(request, treaty: Treaty):
    creating = treaty.pk is None
    form = TreatyForm(request.POST or None, instance=treaty)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in TreatyForm.Meta.fields}
        try:
            if creating:
                treaty = services.treaty_create(by=request.user, **fields)
            else:
                treaty = services.treaty_update(treaty=Treaty.objects.get(pk=treaty.pk), by=request.user, **fields)
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, f"“{treaty}” saved.")
            return redirect("cases:treaty_detail", pk=treaty.pk)
    title = "New treaty" if creating else f"Edit {treaty}"
    return render(request, "cases/treaty_form.html", {"form": form, "treaty": treaty, "title": title})


# The header's search box --------------------------------------------------------------------------

SEARCH_SUGGESTIONS = 5
SEARCH_RESULTS = 20


@permission_required("cases.view_case", raise_exception=True)
def header_search(request):
    """Cases, people and events from the search box on every page: a few suggestions of each as one
    types (the htmx fragment under the box), the results page when the box is submitted."""
    suggesting = bool(request.htmx) and not request.htmx.boosted
    found = selectors.header_search(
        text=request.GET.get("q", ""),
        limit=SEARCH_SUGGESTIONS if suggesting else SEARCH_RESULTS,
        with_people=request.user.has_perm("cases.view_person"),
    )
    template = "cases/_search_suggestions.html" if suggesting else "cases/search.html"
    return render(request, template, {"found": found, "header_query": found.text})


@permission_required("cases.view_case", raise_exception=True)
def date_reading(request):
    """How a date field reads what was typed, in words, for the paragraph under it (htmx).

    ``field`` names the input whose value is sent; ``day`` asks for an exact day, as the field does."""
    text = request.GET.get(request.GET.get("field", "date"), "")[:200].replace("\x00", "")
    context = date_reading_context(text, require_day=request.GET.get("day") == "1")
    return render(request, "cases/_date_reading.html", context)
