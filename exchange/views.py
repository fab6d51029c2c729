"""
Pages for data in and out: export downloads, the import upload with its preview, and drafting
events from a news article. Views read the request and call exports, imports or drafting.
"""

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.filters import CaseFilter
from cases.models import Case

from . import drafting, exports, imports
from .forms import ArticleForm, DraftFormSet, ImportForm

# Query parameters of the export that are not case-list filters.
EXPORT_PARAMETERS = ("format", "case", "page")


@permission_required("cases.view_case", raise_exception=True)
def export(request):
    """Download one case (?case=reference), the case list as filtered, or everything, as JSON or CSV."""
    format = request.GET.get("format", "json")
    if format not in ("json", "csv"):
        return HttpResponseBadRequest("Unknown format: use json or csv.")
    reference = request.GET.get("case")
    if reference:
        cases = Case.objects.filter(reference=reference)
        if not cases.exists():
            raise Http404("No such case.")
        document, name = exports.export_document(cases=cases), reference
    else:
        filters = request.GET.copy()
        for parameter in EXPORT_PARAMETERS:
            filters.pop(parameter, None)
        filterset = CaseFilter(filters, queryset=Case.objects.all())
        if not filterset.is_valid():
            return HttpResponseBadRequest("Invalid filter: " + filterset.errors.as_text())
        everything = not any(value for value in filters.values())
        document = exports.export_document(cases=filterset.qs, everything=everything)
        name = f"cases-{timezone.localdate():%Y-%m-%d}"
    if format == "json":
        response = HttpResponse(exports.export_json(document), content_type="application/json; charset=utf-8")
    else:
        # A byte-order mark, so that spreadsheet programs read the file as UTF-8.
        response = HttpResponse("\ufeff" + exports.export_csv(document), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{format}"'
    return response


def _upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _upload_path(request, name: str) -> Path:
    """The stored upload named in the confirmation form; only its uploader may import it."""
    if not re.fullmatch(rf"{request.user.pk}-[0-9a-f]{{32}}\.(json|csv)", name or ""):
        raise Http404("No such upload.")
    path = _upload_dir() / name
    if not path.is_file():
        raise Http404("This upload has expired; upload the file again.")
    return path


@permission_required(["cases.add_case", "cases.add_event"], raise_exception=True)
def import_upload(request):
    """Upload a file and see what it would create or change (nothing is saved yet)."""
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "max_mb": imports.max_bytes() // (1024 * 1024)}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > imports.max_bytes():
            result = imports.ImportResult(problems=[imports.Problem(
                "file", "", f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is {context['max_mb']} MB. "
                "Split it into several files and import them one after the other.")])
            return render(request, "exchange/import.html", context | {"result": result}, status=400)
        data = upload.read()
        format = form.cleaned_data["format"] or imports.guess_format(upload.name, data)
        result = imports.import_bytes(data, format=format, by=request.user, dry_run=True)
        context |= {"result": result, "filename": upload.name}
        if result.ok:
            name = f"{request.user.pk}-{uuid.uuid4().hex}.{format}"
            (_upload_dir() / name).write_bytes(data)
            context["upload"] = name
        return render(request, "exchange/import.html", context, status=200 if result.ok else 400)
    return render(request, "exchange/import.html", context)


@require_POST
@permission_required(["cases.add_case", "cases.add_event"], raise_exception=True)
def import_confirm(request):
    """Import the previewed file, all or nothing."""
    path = _upload_path(request, request.POST.get("upload"))
    result = imports.import_bytes(path.read_bytes(), format=path.suffix[1:], by=request.user)
    if not result.ok:
        # The database changed since the preview; show why and keep the file for another try.
        return render(request, "exchange/import.html", {"form": ImportForm(), "result": result,
                                                         "max_mb": imports.max_bytes() // (1024 * 1024)}, status=400)
    path.unlink(missing_ok=True)
    messages.success(request, f"Imported: {result.summary()}")
    return render(request, "exchange/import.html", {"form": ImportForm(), "result": result, "done": True,
                                                     "max_mb": imports.max_bytes() // (1024 * 1024)})


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
            chosen = [form.cleaned_data for form in formset if form.cleaned_data.get("record")]
            if not chosen:
                messages.info(request, "No event was ticked, so nothing was recorded.")
                return redirect(case)
            try:
                events = drafting.drafts_record(case=case, drafts=chosen, source=source, by=request.user)
            except ValidationError as error:
                formset._non_form_errors = formset.error_class(error.messages)
            else:
                messages.success(request, f"Recorded {len(events)} event(s) from “{source['title']}”.")
                return redirect(case)
        return render(request, "exchange/article_draft.html", context | {"formset": formset}, status=400)
    proposal = drafting.article_propose(case=case, text=article.cleaned_data["text"], published_on=source["published_on"])
    formset = DraftFormSet(prefix="drafts", initial=[draft.as_initial() for draft in proposal.drafts])
    return render(request, "exchange/article_draft.html", context | {"formset": formset, "proposal": proposal})


@permission_required("cases.view_case", raise_exception=True)
def feeds(request):
    """The user's private feed addresses and API token."""
    from rest_framework.authtoken.models import Token

    from .tokens import feed_token_make

    if request.method == "POST":
        # A new token replaces the old one, which stops working at once.
        Token.objects.filter(user=request.user).delete()
        Token.objects.create(user=request.user)
        messages.success(request, "A new API token was made; the old one no longer works.")
        return redirect("exchange:feeds")
    token = feed_token_make(user_id=request.user.pk)
    api_token = Token.objects.filter(user=request.user).first()
    return render(request, "exchange/feeds.html", {
        "following_feed": request.build_absolute_uri(f"/exchange/feeds/{token}/following.atom"),
        "api_token": api_token,
    })
