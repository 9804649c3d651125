"""Helpers every page uses: the logged-in actor, the page guard, showing core errors, and the message of an
action shown after the rerun that follows it."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import NoReturn, TypeVar

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from core import audit, fmt, jobs
from core.actor import ROLE_LABELS, ROLES, Actor
from core.config import get_settings
from core.errors import KinerjaError
from core.markup import md
from core.navigation import page_allowed
from core.permissions import allowed_roles_from, step_executors
from core.uow import unit_of_work
from pages.parts.grid import held_value

T = TypeVar("T")
_FLASH = "_flash"  # page -> (kind, text, details, where): the message of its last action, not shown yet


def actor_or_stop(path: str) -> Actor:
    """The logged-in actor; stops the page with a refusal when the role may not see it."""
    actor = st.session_state.get("actor")
    if actor is None and PagesManager.uses_pages_directory:
        # The first request after a server start opened this file by its address before app.py ever called
        # st.navigation, so Streamlit ran it alone (its old pages/ mode). From now on app.py decides: the same
        # address again, through the login form, and to this page after login if the role may see it.
        PagesManager.uses_pages_directory = False
        st.rerun()
    if actor is None:
        st.error("Sesi Anda berakhir. Silakan masuk kembali.")
        st.stop()
    if not page_allowed(actor.role, path, _executors()):
        st.error(f"Halaman ini tidak tersedia untuk peran {actor.role_label}.")
        st.stop()
    return actor


def flash(page: str, text: str, kind: str = "success", *, details: Sequence[str] = (),
          where: str = "top") -> NoReturn:
    """Rerun now, and show `text` on that run of `page` (where `show_flash(page, where)` is called): the
    message of an action, shown on a page that re-read the database.

    `kind` is the Streamlit element ("success", "warning", "error", "info"); `text` is shown as given
    (escape user text with core.markup.md first); each of `details` is escaped and listed below it. One
    message per page: it stays until its page shows it, and a newer one replaces it."""
    st.session_state.setdefault(_FLASH, {})[page] = (kind, text, tuple(details), where)
    st.rerun()


def start_job(slot: str, key: Hashable, label: str, work: Callable[[], object]) -> None:
    """Start `work` on a thread of its own (core.jobs) for this session and wait a moment for it: a build that
    ends within KINERJA_FOREGROUND_SECONDS (1 s) is shown at once, a longer one by `job_outcome` with a
    progress bar while the page stays usable. `key` names the work: a second click while it runs (this or
    another session in this process) joins the running job instead of starting another. Meant as the
    button's `on_click`, so that the run the click causes already draws the button disabled."""
    job = jobs.start(key, label, work)
    st.session_state[slot] = job.id
    job.wait(get_settings().foreground_seconds)


def _job_of(slot: str, key: Hashable) -> jobs.Job | None:
    """This session's job of `slot`, or the running job of `key` another session started (followed from now)."""
    job = jobs.get(st.session_state.get(slot))
    if job is None and key is not None:
        job = jobs.running(key)
        if job is not None:
            st.session_state[slot] = job.id
    return job


def job_running(slot: str, key: Hashable = None) -> bool:
    """Whether the job `job_outcome` shows is still running (to disable what it would make stale), drawing
    nothing: the page shows the job where the person clicked, further down."""
    job = _job_of(slot, key)
    return job is not None and not job.done


def job_outcome(slot: str, done: Callable[[object], None], key: Hashable = None) -> bool:
    """Where this session's job of `slot` is shown: a progress bar redrawn every second while it runs, then
    its error, or `done(result)` (a `flash`, which reruns the page). With `key`, a job of that key another
    session of this process started is followed the same way (its button is disabled here meanwhile).
    True while the job runs."""
    job = _job_of(slot, key)
    if job is None:
        return False
    if job.done:
        del st.session_state[slot]
        if job.error:
            st.error(md(job.error))
            return False
        done(job.result)
        return False

    @st.fragment(run_every=1.0)
    def progress() -> None:
        now = jobs.get(job.id)
        if now is None or now.done:
            st.rerun()  # the whole page: the result, and what it changed
        doing = f"{now.label}: {now.message}" if now.message else now.label
        st.progress(now.progress, text=f"{doing}… ({int(now.seconds)} detik)")
        st.caption("Berkas sedang disusun di server. Halaman ini diperbarui sendiri saat selesai; halaman lain "
                   "tetap dapat dibuka, dan penyusunan tetap berjalan.")

    progress()
    return True


def show_flash(page: str, where: str = "top", toast: bool = False) -> None:
    """The message `flash` left for this page at this place (`where`), shown once, then forgotten. `toast`: also
    a toast in the corner of the window, for a long page whose form may be scrolled far below the message."""
    held = st.session_state.get(_FLASH) or {}
    if page not in held or held[page][3] != where:
        return
    kind, text, details, _where = held.pop(page)
    getattr(st, kind)(text)
    if toast and kind == "success":
        st.toast(text, icon=":material/check_circle:")
    elif toast:
        st.toast("Tidak tersimpan. Baca pesannya di bagian atas halaman.", icon=":material/error:", duration="long")
    if details:
        st.markdown("\n".join(f"- {md(p)}" for p in details))


def _executors() -> dict[str, frozenset[str]]:
    """Each SOP step's executor roles, as app.py read them for this run."""
    executors = st.session_state.get("step_executors")
    if executors is None:  # the page runs without app.py (AppTest of a single page): read them here
        with unit_of_work() as session:
            executors = step_executors(session)
    return executors


def may(actor: Actor, action: str) -> bool:
    """The actor's role may do the action (core.permissions' matrix, with this run's step executors): which
    controls a page draws. Core checks again, with the unit and office, when the action is done."""
    return actor.role in allowed_roles_from(_executors(), action)


def executors_of(step: str) -> str:
    """Who executes an SOP step, in words ('Sekretaris Dinas'), as the administrator set it in Data Induk."""
    roles = sorted(_executors().get(step, ()), key=ROLES.index)
    return " atau ".join(ROLE_LABELS.get(r, r) for r in roles) or "pelaksana langkah ini"


@contextmanager
def shown_errors() -> Iterator[None]:
    """Show a core error as an Indonesian message instead of a traceback."""
    try:
        yield
    except KinerjaError as err:
        st.error(md(str(err)))


def parsed_once(slot: str, data: bytes, context: tuple, parse: Callable[[], T]) -> T:
    """The result of parsing an uploaded file, computed once per file and context (e.g. the data version)
    instead of on every rerun; a refusal (KinerjaError) is kept and raised again the same way."""
    key = (hashlib.sha256(data).hexdigest(), *context)
    held = st.session_state.get(slot)
    if held is None or held[0] != key:
        try:
            held = (key, parse(), None)
        except KinerjaError as err:
            held = (key, None, err)
        st.session_state[slot] = held
    if held[2] is not None:
        raise held[2]
    return held[1]


def data_version(office_id: int | None = None) -> tuple[str, int]:
    """The key for page caches: the database and its audited-change counter (every save changes it);
    with `office_id`, the counter of that office's changes and of the changes that concern every office."""
    with unit_of_work() as session:
        return get_settings().database_url, audit.data_version(session, office_id)


# --- tables -------------------------------------------------------------------------------------------
# Column widths in pixels, so a cell shows its whole text where the screen has room (Streamlit's own default
# cuts "perusahaan" to "perusaha…" and "Sangat Tinggi" to "Sangat Tin…"). About 7.5 px a character at the
# app's font size, plus the cell's padding and the header's menu icon.
_CHAR_PX, _PAD_PX, _MIN_PX, _MAX_PX = 7.5, 34, 56, 520


def column_px(header: str, values) -> int:
    """The width that shows `header` and the longest of `values` whole, within the bounds above."""
    longest = max([len(str(header))] + [len(str(v)) for v in values if v is not None], default=0)
    return int(min(_MAX_PX, max(_MIN_PX, longest * _CHAR_PX + _PAD_PX)))


# An Indonesian number as text: "1.250", "204", "73,5", "Rp 1.250.000", "87,50 %". Dots only as thousands
# separators (groups of three), so a DPA code such as "2.07.03.2.01.0001" stays text, aligned left.
_NUMBER_TEXT = re.compile(r"^(Rp\s?)?-?(\d{1,3}(\.\d{3})+|\d{1,4})(,\d+)?\s?%?$")  # a long digit run: an id (NIP)


def _numbers_as_text(values) -> bool:
    """A text column that holds Indonesian numbers (and "–" for none)."""
    texts = [v.strip() for v in values if isinstance(v, str) and v.strip() not in ("", "–", "-")]
    return bool(texts) and all(_NUMBER_TEXT.match(t) for t in texts)


def _data(frame):
    return getattr(frame, "data", frame) if type(frame).__name__ == "Styler" else frame


def fitted(frame, config: dict | None = None) -> dict:
    """`config` (a column_config mapping) with a fitting width for every shown column that has none."""
    frame = _data(frame)
    out = dict(config or {})
    for col in frame.columns:
        cfg = out.get(col, {})
        if cfg is None:  # hidden
            continue
        if isinstance(cfg, str):
            cfg = {"label": cfg}
        cfg = dict(cfg)
        values = frame[col].head(500).tolist()
        if cfg.get("width") is None:
            header = cfg.get("label") or col
            cfg["width"] = column_px(header, values)
        if cfg.get("alignment") is None and _numbers_as_text(values):
            cfg["alignment"] = "right"  # "1.250,5" and "87,50 %" read as numbers: aligned as numbers
        out[col] = cfg
    return out


_EDIT_FORMS = "_edit_forms"


def edit_form(name: str, scope: Hashable, fresh: dict, submit_key: str) -> tuple[dict, int]:
    """What an edit form over a shared record is drawn from and checked against, and its widget generation.

    `fresh` is the record as the database holds it now. The form is drawn from it and it is held: on the run
    of the form's submit (`submit_key` pressed) the held values go to core as `shown`, so a field the person
    left alone keeps the database's value and one changed over somebody else's newer save is refused
    (core.masterdata.common.touched). On any other run a record changed since is drawn afresh, with a note; the
    generation changes, so keyed widgets (which keep what the browser holds) are drawn anew."""
    fresh = {k: _plain(v) for k, v in fresh.items()}
    forms = st.session_state.setdefault(_EDIT_FORMS, {})
    held = forms.get(name)
    if held is None or held[0] != scope or held[1] is None:
        gen = held[2] + 1 if held else 0
        forms[name] = (scope, fresh, gen)
        return fresh, gen
    if held[1] != fresh and not st.session_state.get(submit_key):
        forms[name] = (scope, fresh, held[2] + 1)
        st.info("Data ini baru saja diubah oleh pengguna lain; formulir di bawah menampilkan isian terbaru.")
        return fresh, held[2] + 1
    return held[1], held[2]


def _plain(value):
    """A DataFrame cell as a plain value: pandas' empty as None (grid.held_value), numpy scalars as Python's."""
    value = held_value(value)
    return value.item() if hasattr(value, "item") and not isinstance(value, (list, tuple, dict, str)) else value


def gen_key(base: str, gen: int) -> str:
    """A keyed widget's key in generation `gen` of its edit form (the first generation keeps the plain key)."""
    return base if gen == 0 else f"{base}~{gen}"


def forget_edit(name: str) -> None:
    """After a save (or a refused one): the next run draws the form afresh, with new widgets."""
    forms = st.session_state.get(_EDIT_FORMS) or {}
    if name in forms:
        forms[name] = (None, None, forms[name][2] + 1)


def typed_fields(*fields: tuple[str, object, object]) -> list[str]:
    """Of an edit form's fields (label, as submitted, as drawn), those the person changed, as lines to list
    under a refusal (`unsaved`): '<label>: <value>' (the form is then drawn afresh with the newer values)."""
    return [f"{label}: {said}" for label, now, was in fields if (said := _said(now)) != _said(was)]


def unsaved(refusal: str, typed: Sequence[str]) -> str:
    """A refusal's text, leading to the list of what the person had filled in (`typed_fields`) when there is one."""
    return f"{refusal} Isian Anda yang belum tersimpan:" if typed else refusal


def _said(value: object) -> str:
    """A form value as the person saw it: a number the Indonesian way, a box ya/tidak, nothing '(kosong)'."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "(kosong)"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, (int, float, Decimal)):
        return fmt.number(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_said(v) for v in value) or "(kosong)"
    return str(value).strip()


_PICKER_LABELS = "_picker_labels"


def pick_record(label: str, choices: dict, key: str, *, where=None, **kwargs):
    """A keyed st.selectbox over records by id, each shown by its name (`choices`: id → name).

    The browser holds the chosen option by its name, not its id. After the record was renamed (by this person's
    save or somebody else's) the browser would still show the old name and send it back on the next run, where
    it is no option any more: the choice fell to the first record, and a form drawn for the record saved nothing,
    or was opened on another record. So when the names differ from this session's last run, the choice is sent
    to the browser again under its new name. `where`: the container (st by default)."""
    names = [str(choices[k]) for k in choices]
    held = st.session_state.setdefault(_PICKER_LABELS, {})
    if key in held and held[key] != names and st.session_state.get(key) in choices:
        st.session_state[key] = st.session_state[key]  # a value set this run is sent to the browser
    held[key] = names
    return (where or st).selectbox(label, list(choices), format_func=choices.get, key=key, **kwargs)


def named_columns(frame, name: str, cap: int, lead: tuple[str, ...] = ("Sasaran", "Kode")) -> dict:
    """A column_config that pins the `lead` columns (where present) and the `name` column (at most `cap` px
    wide) at the left of a wide read-only table, so each row stays known while the figures scroll beside it."""
    frame = _data(frame)
    if frame is None or len(frame) == 0:
        return {}
    out = {c: st.column_config.TextColumn(c, width=column_px(c, frame[c]), pinned=True)
           for c in lead if c in frame.columns}
    out[name] = st.column_config.TextColumn(name, width=min(cap, column_px(name, frame[name])), pinned=True)
    return out


def table(frame, empty: str, *, config: dict | None = None, **kwargs) -> None:
    """A read-only table with every column wide enough for its text; `empty` is said in words when there are
    no rows (Streamlit would draw a grid with the English word "empty")."""
    if frame is None or len(_data(frame)) == 0:
        st.caption(empty)
        return
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.dataframe(frame, column_config=fitted(frame, config), **kwargs)
