"""A lasting problem of the worker is shown on every dashboard page until it is cleared."""

from __future__ import annotations

from pathlib import Path

from core.ops import problems
from tests.integration.dashboard.dashboard_helpers import dashboard, texts


def test_a_refused_agency_login_is_a_banner_on_every_page_until_cleared(tmp_path: Path) -> None:
    with dashboard(tmp_path) as dash:
        app = dash.app
        assert problems.report(app.uow(), practice_id=app.practice_id, source=problems.AGENCY)
        assert not problems.report(app.uow(), practice_id=app.practice_id, source=problems.AGENCY)
        for page in ("views/overview.py", "views/cases.py", "views/users.py"):
            shown = texts(dash.run("manager", page=page))
            assert shown.count("1159 Finance hat die Anmeldung abgelehnt") == 1, page
        assert "Anmeldung abgelehnt" not in texts(dash.run(None))  # not before a login
        assert problems.clear(app.uow(), practice_id=app.practice_id, source=problems.AGENCY)
        assert "Anmeldung abgelehnt" not in texts(dash.run("staff", page="views/overview.py"))
