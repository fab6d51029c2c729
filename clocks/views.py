from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from . import selectors, services
from .catalogue import catalogue
from .filters import ClockFilter
from .forms import ClockOverrideForm
from .models import Clock

CLOCKS_PER_PAGE = 50


@permission_required("clocks.view_clock", raise_exception=True)
def clock_list(request):
    """Every case's clocks: what falls due in the next days, what lapsed, by state and rule."""
    filterset = ClockFilter(request.GET or None, queryset=selectors.clocks_across_cases())
    page = Paginator(filterset.qs, CLOCKS_PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "clocks/clock_list.html",
        {"filter": filterset, "page": page, "today": today, "counts": selectors.clock_counts(today=today)},
    )


@permission_required("clocks.view_clock", raise_exception=True)
def rule_list(request):
    """The catalogue: every rule the tracker computes, with its citation and source."""
    rules = sorted(catalogue().values(), key=lambda rule: (rule.forum_display, rule.instrument, rule.citation))
    return render(request, "clocks/rule_list.html", {"rules": rules})


@permission_required("clocks.change_clock", raise_exception=True)
def clock_edit(request, pk):
    clock = get_object_or_404(Clock.objects.select_related("case", "trigger"), pk=pk)
    form = ClockOverrideForm(request.POST or None, instance=clock)
    if request.method == "POST" and form.is_valid():
        try:
            services.clock_override(
                clock=clock,
                by=request.user,
                reason=form.cleaned_data["override_reason"],
                not_applicable=form.cleaned_data["not_applicable"],
                corrected_due_on=form.cleaned_data["corrected_due_on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Clock saved; its reminders follow the change.")
            return redirect(clock)
    history = clock.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "clocks/clock_form.html",
        {"form": form, "clock": clock, "case": clock.case, "rule": clock.rule, "history": history,
         "today": timezone.localdate()},
    )
