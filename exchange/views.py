"""
Pages for data in and out: export downloads, the import upload with its preview, and drafting
events from a news article. Views read the request and call exports, imports, drafting or the
services (an export too large for the request, written by the worker).
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from cases.models import Case

from . import drafting, exports, imports, services, tasks, uploads
from .schema import schema_json
from .forms import ArticleForm, DraftFormSet, ImportForm
from .models import ExportFile

logger = logging.getLogger(__name__)


@permission_required("cases.view_case", raise_exception=True)
def export(request):
    """Download one case (?case=reference), the case list as filtered, or everything, as JSON or CSV:
    streamed when small, else written by the worker while the export's page shows its progress."""
    format = request.GET.get("format", "json")
    if format not in ("json", "csv"):
        return HttpResponseBadRequest("Unknown format: use json or csv.")
    try:
        selection = exports.export_selection(query=request.GET)
    except Case.DoesNotExist:
        raise Http404("No such case.")
    except ValueError as error:
        return HttpResponseBadRequest(f"Invalid filter: {error}")
    if exports.export_counts(cases=selection.cases) > settings.EXCHANGE_EXPORT_INLINE_MAX_EVENTS:
        export_file = services.export_file_create(user=request.user, format=format, query=request.GET)
        return redirect(export_file)
    if format == "json":
        chunks = exports.export_json_chunks(cases=selection.cases, everything=selection.everything)
        response = StreamingHttpResponse(chunks, content_type="application/json; charset=utf-8")
    else:
        chunks = exports.export_csv_chunks(cases=selection.cases, everything=selection.everything)
        response = StreamingHttpResponse(
            _after_bom(chunks), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{selection.name}.{format}"'
    return response


def _after_bom(chunks):
    # A generator, not itertools.chain: closing the response (a client gone) must close the export's
    # stream too, which ends its snapshot's transaction there and then.
    yield services.CSV_BOM
    yield from chunks


# How many of the user's latest exports their export pages list.
RECENT_EXPORTS = 10


@permission_required("cases.view_case", raise_exception=True)
def export_status(request, pk):
    """A worker-written export: a progress bar (polled by htmx) until its download link; the owner's only."""
    export_file = get_object_or_404(ExportFile.objects.of(request.user), pk=pk)
    context = {"export": export_file}
    if request.htmx:
        return render(request, "exchange/_export_progress.html", context)
    recent = ExportFile.objects.of(request.user).exclude(pk=export_file.pk)[:RECENT_EXPORTS]
    return render(request, "exchange/export_status.html", context | {
        "recent": recent, "keep_hours": settings.EXCHANGE_EXPORT_KEEP_HOURS})


@permission_required("cases.view_case", raise_exception=True)
def export_download(request, pk):
    """The file of a finished worker-written export, saved under the name an export in the page gets."""
    export_file = get_object_or_404(ExportFile.objects.of(request.user), pk=pk, state=ExportFile.State.DONE)
    try:
        handle = export_file.file.open("rb")
    except FileNotFoundError:
        raise Http404("This export's file is gone; export again.")
    return FileResponse(handle, as_attachment=True, filename=export_file.filename)


@login_not_required
def schema_v2(request):
    """The import/export format as a JSON Schema: public, because it describes the format and holds no data."""
    return HttpResponse(schema_json(), content_type="application/schema+json; charset=utf-8")


def _import_page(request, context: dict, status: int = 200):
    context = {
        "form": ImportForm(),
        "max_mb": imports.max_bytes() // (1024 * 1024),
        # The layout is described on the page from the code that writes it, so it cannot drift.
        "csv_case_columns": exports.CSV_CASE_COLUMNS,
        "csv_event_columns": exports.CSV_EVENT_COLUMNS,
    } | context
    return render(request, "exchange/import.html", context, status=status)


def _background(size: int) -> bool:
    """Large files are checked and imported by a worker while the page shows a progress bar."""
    return size > getattr(settings, "EXCHANGE_IMPORT_BACKGROUND_BYTES", 64 * 1024)


def _queue(request, name: str, *, dry_run: bool):
    path = uploads.upload_path(user_id=request.user.pk, name=name)
    uploads.status_write(path, state="queued", step="preview" if dry_run else "import", done=0, total=0)
    try:
        tasks.upload_import.apply_async(args=[request.user.pk, name, dry_run], retry=False)
    except Exception:  # The broker's errors differ by transport; without one, run it here.
        logger.warning("Could not queue the import of %s; running it in the request.", name, exc_info=True)
        tasks.upload_import(request.user.pk, name, dry_run)
    return redirect(_status_url(name))


def _status_url(name: str) -> str:
    # The upload page shows a running import's progress, so that the page needs no other address.
    return f"{reverse('exchange:import_upload')}?{urlencode({'job': name})}"


@permission_required(["cases.add_case", "cases.add_event"], raise_exception=True)
def import_upload(request):
    """Upload a file and see what it would create or change (nothing is saved yet); with ?job=,
    the progress and then the result of a large file's preview or import."""
    if request.method == "GET" and "job" in request.GET:
        return import_status(request, request.GET["job"])
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _import_page(request, {"form": form}, status=400 if request.method == "POST" else 200)
    upload = form.cleaned_data["file"]
    if upload.size > imports.max_bytes():
        result = imports.ImportResult(problems=[imports.Problem(
            "file", "", f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
            f"{imports.max_bytes() // (1024 * 1024)} MB. Split it into several files and import them one after the other.")])
        return _import_page(request, {"form": form, "result": result}, status=400)
    data = upload.read()
    format = form.cleaned_data["format"] or imports.guess_format(upload.name, data)
    if _background(len(data)):
        return _queue(request, uploads.upload_store(user_id=request.user.pk, data=data, format=format), dry_run=True)
    result = imports.import_bytes(data, format=format, by=request.user, dry_run=True)
    context = {"form": form, "result": result, "filename": upload.name}
    if result.ok:
        context["upload"] = uploads.upload_store(user_id=request.user.pk, data=data, format=format)
    return _import_page(request, context, status=200 if result.ok else 400)


@require_POST
@permission_required(["cases.add_case", "cases.add_event"], raise_exception=True)
def import_confirm(request):
    """Import the previewed file, all or nothing."""
    name = request.POST.get("upload")
    path = uploads.upload_path(user_id=request.user.pk, name=name)
    if path is None:
        raise Http404("This upload is unknown or was already imported; upload the file again.")
    if _background(path.stat().st_size):
        return _queue(request, name, dry_run=False)
    result = imports.import_bytes(path.read_bytes(), format=path.suffix[1:], by=request.user)
    if not result.ok:
        # The database changed since the preview; say why, and keep the file for another try.
        return _import_page(request, {"result": result}, status=400)
    uploads.upload_discard(path)
    messages.success(request, f"Imported: {result.summary()}")
    return _import_page(request, {"result": result, "done": True})


def import_status(request, name):
    """A background preview or import: a progress bar (polled by htmx) until the result is in."""
    path = uploads.upload_path(user_id=request.user.pk, name=name, must_exist=False)
    state = uploads.status_read(path) if path else None
    if state is None:
        raise Http404("No such import.")
    context = {"state": state, "name": name}
    if state["state"] == "done":
        result = uploads.status_result(state)
        context |= {"result": result, "done": result.applied, "summary": state["summary"],
                    "upload": name if result.ok and not result.applied else None,
                    "hidden_actions": state.get("actions_total", 0) - len(result.actions)}
    if request.htmx:
        response = render(request, "exchange/_import_progress.html", context)
        if state["state"] == "done":
            response["HX-Refresh"] = "true"  # the whole page, with its result and confirmation form
        return response
    return _import_page(request, context)


@permission_required("cases.add_event", raise_exception=True)
def article_draft(request, reference):
    """Paste a news report, get draft events, confirm the right ones."""
    case = get_object_or_404(Case, reference=reference)
    article = ArticleForm(request.POST or None, prefix="article")
    context = {"case": case, "article": article}
    if request.method != "POST" or not article.is_valid():
        return render(request, "exchange/article_draft.html", context, status=400 if request.method == "POST" else 200)
    source = {
        "url": article.cleaned_data["url"],
        "title": article.cleaned_data["title"],
        "publisher": article.cleaned_data["publisher"],
        "published_on": article.cleaned_data["published_on"],
    }
    if request.POST.get("step") == "confirm":
        formset = DraftFormSet(request.POST, prefix="drafts")
        if formset.is_valid():
            chosen = [form.cleaned_data for form in formset if form.cleaned_data.get("record") or form.cleaned_data.get("add_source")]
            if not chosen:
                messages.info(request, "No event was ticked, so nothing was recorded.")
                return redirect(case)
            try:
                written = drafting.drafts_record(case=case, drafts=chosen, source=source, by=request.user)
            except ValidationError as error:
                formset._non_form_errors = formset.error_class(error.messages)
            else:
                sourced = sum(1 for d in chosen if not d.get("record", True))
                messages.success(request, f"Recorded {len(written) - sourced} item(s) from “{source['title']}”"
                                 + (f"; added it as a source of {sourced} event(s) already recorded." if sourced else "."))
                return redirect(case)
        return render(request, "exchange/article_draft.html", context | {"formset": formset}, status=400)
    proposal = drafting.article_propose(case=case, text=article.cleaned_data["text"], published_on=source["published_on"])
    formset = DraftFormSet(prefix="drafts", initial=[draft.as_initial() for draft in proposal.drafts])
    return render(request, "exchange/article_draft.html", context | {"formset": formset, "proposal": proposal})


@permission_required("cases.view_case", raise_exception=True)
def feeds(request):
    """The user's private feed addresses and API token."""
    from rest_framework.authtoken.models import Token

    if request.method == "POST":
        # A new token replaces the old one, which stops working at once.
        replaced, _ = Token.objects.filter(user=request.user).delete()
        Token.objects.create(user=request.user)
        messages.success(
            request, "A new API token was made; the old one no longer works." if replaced else "Your API token was made."
        )
        return redirect("exchange:feeds")
    api_token = Token.objects.filter(user=request.user).first()
    return render(request, "exchange/feeds.html", {
        "feed_addresses": request.user.private_addresses.active().filter(purpose="feed"),
        "api_token": api_token,
    })
