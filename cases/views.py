from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .models import Person
from .selectors import case_stage_track, case_timeline, case_with_parties


@login_required
def case_list(request):
    cases = case_with_parties()
    return render(request, "cases/case_list.html", {"cases": cases})


@login_required
def case_detail(request, reference):
    case = get_object_or_404(case_with_parties(), reference=reference)
    return render(
        request,
        "cases/case_detail.html",
        {"case": case, "timeline": case_timeline(case=case), "stage_track": case_stage_track(case=case)},
    )


@login_required
def person_detail(request, pk):
    person = get_object_or_404(Person.objects.prefetch_related("names", "roles__case"), pk=pk)
    return render(request, "cases/person_detail.html", {"person": person})
