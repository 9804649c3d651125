"""The SOP declared once: the step modules' declarations are what the matrix, the pages, the navigation and
*Tugas saya* are built from, so reassigning a step's executor in Data Induk moves all of them together.

For every SOP step: the administrator gives the step to another role through the Data Induk service; then
the new role may do the step's actions through the real services (the authorization scenarios) and the old
role is refused, the new role sees the step's page in its menu and gets the step's task on Beranda, and the
old role does not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from core import masterdata, navigation
from core.errors import NotAllowed
from core.permissions import MATRIX, allowed_roles, step_executors
from core.sop import DEFAULT_STEPS
from core.steps import declared_actions, declared_pages, step_modules
from core.tasks import my_tasks
from core.uow import unit_of_work
from db.models import SopStep
from tests import factories
from tests.test_authorization_matrix import ACTING, TODAY, _prepared, _try

ROOT = Path(__file__).resolve().parent.parent

# step -> (the role it is given to, the acting user of that role, the round state a task needs)
MOVES = {
    "disposisi": ("sekretaris", "sekdis", {"at": "disposisi"}),
    "distribusi": ("kepala_dinas", "kadis", {"at": "distribusi"}),
    "isi_data": ("jft", "jft_mediator", {"at": "isi_data", "state": "draf"}),  # Kepala Bidang no longer
    "pengolahan": ("perencana", "perencana", {"at": "pengolahan", "state": "diajukan"}),
    "penyusunan": ("perencana", "perencana", {"at": "penyusunan", "state": "diterima"}),
    "sosialisasi": ("kepala_dinas", "kadis", {"at": "sosialisasi", "state": "diterima"}),
    "koreksi": ("sekretaris", "sekdis", {"at": "koreksi", "state": "diterima"}),
    "serah": ("sekretaris", "sekdis", {"at": "serah", "state": "diterima"}),
    "dokumentasi": ("sekretaris", "sekdis", {"at": "dokumentasi", "state": "diterima"}),
}
assert set(MOVES) == {d.code for d in DEFAULT_STEPS}
DEFAULT_EXECUTORS = {d.code: d.executor_roles for d in DEFAULT_STEPS}


def _page_of(code: str) -> navigation.PageSpec:
    return next(p for p in declared_pages() if code in p.steps)


def _reassign(db_url: str, code: str, roles: list[str]) -> None:
    with unit_of_work(db_url) as s:
        admin = factories.actor(s, "admin")
        step = s.scalar(select(SopStep).where(SopStep.code == code))
        masterdata.update_sop_step(s, admin, step.id, executor_roles=roles, standard_minutes=step.standard_minutes,
                                   standard_label=step.standard_label, inputs=step.inputs, output=step.output)


def test_every_sop_action_is_declared_by_a_step_module_and_bound_to_a_step():
    declared = declared_actions()
    for name, rule in MATRIX.items():
        assert (rule.step is not None) == (name in declared), name
    assert {r.step for r in declared.values()} <= set(DEFAULT_EXECUTORS)
    # every step has a page, and every step module declares actions, a page and tasks
    assert all(any(code in p.steps for p in declared_pages()) for code in DEFAULT_EXECUTORS)
    for module in step_modules():
        assert module.ACTIONS and module.PAGE and callable(module.tasks), module.__name__


def test_each_step_page_leads_to_its_step_module_in_one_hop():
    """pages/<name>.py imports core.steps.<name>, and that module's docstring names the page."""
    for page in declared_pages():
        name = Path(page.path).stem
        module = next(m for m in step_modules() if m.__name__.endswith(f".{name}"))
        assert page.path in (module.__doc__ or ""), name
        source = (ROOT / page.path).read_text(encoding="utf-8")
        assert f"from core.steps import {name}" in source or f"core.steps.{name}" in source, page.path


STEP_ACTIONS = [(r.step, a) for a, r in declared_actions().items()]
assert {code for code, _a in STEP_ACTIONS} == set(MOVES)


@pytest.mark.parametrize("code,action", STEP_ACTIONS)
def test_reassigning_a_step_moves_its_actions(db_url, tmp_path, code, action):
    """Who may act: the matrix read from the database, and the real service for the new and the old role."""
    new_role, new_user, _state = MOVES[code]
    old_roles = [r for r in DEFAULT_EXECUTORS[code] if r != new_role]
    assert old_roles, code
    actors, ctx = _prepared(db_url, tmp_path, action)  # the state before the action, by today's executors
    _reassign(db_url, code, [new_role])
    with unit_of_work(db_url) as s:
        assert allowed_roles(s, action) == {new_role}
    err, *_ = _try(db_url, action, actors[new_user], ctx)
    assert err is None, f"{action} by {new_role}: {type(err).__name__}: {err}"
    for role in old_roles:
        err, before, after, _ = _try(db_url, action, actors[ACTING[role]], ctx)
        assert isinstance(err, NotAllowed) and after == before, f"{action} by {role}: {err}"


@pytest.mark.parametrize("code", list(MOVES))
def test_reassigning_a_step_moves_its_page_navigation_and_task(db_url, code):
    new_role, new_user, round_state = MOVES[code]
    old_roles = [r for r in DEFAULT_EXECUTORS[code] if r != new_role]
    _reassign(db_url, code, [new_role])
    with unit_of_work(db_url) as s:
        executors = step_executors(s)

    # who sees the page, in the menu and through the page guard
    page = _page_of(code)
    assert page.path in [p.path for ps in navigation.pages_for(new_role, executors).values() for p in ps]
    assert navigation.page_allowed(new_role, page.path, executors)
    for role in old_roles:
        still = role in page.roles or any(role in executors.get(c, ()) for c in page.steps)
        assert navigation.page_allowed(role, page.path, executors) == still, (code, role)

    # who gets the task on Beranda
    with unit_of_work(db_url) as s:
        factories.make_round(s, **round_state)
    with unit_of_work(db_url) as s:
        new_tasks = [t for t in my_tasks(s, factories.actor(s, new_user), TODAY) if t.page_path == page.path]
        old_tasks = {role: [t.text for t in my_tasks(s, factories.actor(s, ACTING[role]), TODAY)]
                     for role in old_roles}
    assert new_tasks, f"{code}: no task for {new_role}"
    for role, texts in old_tasks.items():
        assert not set(texts) & {t.text for t in new_tasks}, f"{code}: {role} still has {texts}"


def test_the_penyusun_gets_apply_corrections_whenever_corrections_wait(db_url):
    from tests.test_authorization_matrix import with_correction

    with unit_of_work(db_url) as s:
        actors = {u: factories.actor(s, u) for u in ("penyusun", "perencana")}
        with_correction(s, actors | {"sekdis": factories.actor(s, "sekdis")})
    with unit_of_work(db_url) as s:
        penyusun = [t for t in my_tasks(s, factories.actor(s, "penyusun"), TODAY)]
        planner = [t.text for t in my_tasks(s, factories.actor(s, "perencana"), TODAY)]
    apply = [t for t in penyusun if t.text.startswith("Terapkan koreksi")]
    assert len(apply) == 1 and "(1 koreksi)" in apply[0].text and apply[0].page_path == "pages/koreksi.py"
    assert any(t.startswith("Koreksi draf laporan") for t in planner)


def test_no_page_compares_the_role_to_a_string():
    """Pages ask core.permissions (may / can); who holds a role is data, not code."""
    offenders = []
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and any(
                    isinstance(n, ast.Attribute) and n.attr == "role" for n in [node.left, *node.comparators]):
                if any(isinstance(n, (ast.Constant, ast.Tuple, ast.List, ast.Set))
                       for n in [node.left, *node.comparators]):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def test_pages_spell_no_submission_or_round_state():
    """States are core.states enums with their labels; a page that spells 'diajukan' has its own copy."""
    states = {"belum_mulai", "draf", "diajukan", "dikembalikan", "diterima", "berjalan", "selesai"}
    offenders = []
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                for n in [node.left, *node.comparators]:
                    values = [n] if isinstance(n, ast.Constant) else list(getattr(n, "elts", []))
                    if any(isinstance(v, ast.Constant) and v.value in states for v in values):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def _menu(at) -> list[str]:
    """The page links of the sidebar menu."""
    found, todo = [], [at.sidebar]
    while todo:
        node = todo.pop(0)
        if type(node).__name__ == "PageLink":
            found.append(node.proto.label)
        todo.extend(getattr(node, "children", {}).values())
    return found


def test_a_reassigned_step_is_named_and_offered_by_its_new_executor_on_the_page(sqlite_url):
    """Sosialisasi given to the Kepala Dinas: the planner's page says who it waits for, the Kepala Dinas gets
    the form (and the page in the menu); the Sekretaris no longer sees the page."""
    from tests.apptest import logged_in, texts
    from tests.test_authorization_matrix import drafted

    with unit_of_work(sqlite_url) as s:
        drafted(s, {u: factories.actor(s, u) for u in ("penyusun", "sekdis", "perencana")})
    _reassign(sqlite_url, "sosialisasi", ["kepala_dinas"])
    planner = logged_in("perencana", "pages/koreksi.py")
    assert "menunggu disosialisasikan oleh Kepala Dinas kepada JFT Perencana Ahli Muda" in texts(planner)
    kadis = logged_in("kadis", "pages/koreksi.py")
    assert not kadis.exception
    assert any(b.label == "Sosialisasikan draf" for b in kadis.button)
    assert "Sosialisasi & Koreksi" in _menu(logged_in("kadis"))
    sekdis = logged_in("sekdis")
    assert "Disposisi" in _menu(sekdis) and "Sosialisasi & Koreksi" not in _menu(sekdis)
