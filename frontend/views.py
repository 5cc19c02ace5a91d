from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The shell page: where the browser app will mount; links to the API and admin now."""
    return render(request, "frontend/home.html")
