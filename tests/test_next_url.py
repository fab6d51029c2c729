import pytest
from django.test import RequestFactory

from tracker.next_url import next_url


@pytest.mark.parametrize("target, expected", [
    ("/cases/rana-us-india/", "/cases/rana-us-india/"),
    ("/cases/?stage=appeal&page=2", "/cases/?stage=appeal&page=2"),
    ("https://evil.example/", "/fallback/"),
    ("//evil.example/cases/", "/fallback/"),
    ("javascript:alert(1)", "/fallback/"),
    ("", "/fallback/"),
])
def test_next_is_followed_only_to_this_site(target, expected):
    factory = RequestFactory()
    assert next_url(factory.post("/x/", {"next": target}), "/fallback/") == expected
    assert next_url(factory.get("/x/", {"next": target}), "/fallback/") == expected


def test_a_page_served_over_https_does_not_send_back_to_plain_http():
    request = RequestFactory().get("/x/", {"next": "http://testserver/cases/"}, secure=True)
    assert next_url(request, "/fallback/") == "/fallback/"
    plain = RequestFactory().get("/x/", {"next": "http://testserver/cases/"})
    assert next_url(plain, "/fallback/") == "http://testserver/cases/"
