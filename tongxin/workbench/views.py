"""The workbench home: a different first page for each role."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from tongxin.core.actors import ActorRequest
from tongxin.ui.decorators import personal_page

from .workbench import workbench_for


@personal_page
def home(request: ActorRequest) -> HttpResponse:
    return render(request, "workbench/home.html", {"wb": workbench_for(request.user)})
