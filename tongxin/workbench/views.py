"""The workbench home: a different first page for each role."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tongxin.ui.decorators import personal_page

from .workbench import workbench_for


@personal_page
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "workbench/home.html", {"wb": workbench_for(request.user)})
