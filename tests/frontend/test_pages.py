import pytest


@pytest.mark.django_db
def test_shell_page_links_to_api_and_admin(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for link in ('href="/api/docs/"', 'href="/api/schema/"', 'href="/admin/"'):
        assert link in html
