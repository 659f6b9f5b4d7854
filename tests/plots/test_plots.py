"""The figures of dutyplan.plots: what each draws, checked on the drawn artists."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

import dutyplan  # noqa: E402
from dutyplan import plots  # noqa: E402
from dutyplan.errors import DutyplanError  # noqa: E402
from dutyplan.plan import Assignment, Plan, ProgressPoint, Result  # noqa: E402
from dutyplan.problem import Problem, haversine_km  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    """The plots make pyplot figures: close them after each test."""
    yield
    from matplotlib import pyplot

    pyplot.close("all")


# --------------------------------------------------------------------------- fixtures, helpers


@pytest.fixture(scope="module")
def problem() -> Problem:
    return dutyplan.load_example("shangzhuang")


@pytest.fixture(scope="module")
def solved(problem: Problem) -> Plan:
    return dutyplan.solve(problem, time_limit=5, workers=1, seed=0, deterministic=True)


@pytest.fixture(scope="module")
def plan(problem: Problem, solved: Plan) -> Plan:
    """The solved plan with every 9th duty and all of one person's duties dropped, so that
    some gate-shifts are surely uncovered and one person has no duty."""
    idle = problem.people[0].id
    kept = [
        a for i, a in enumerate(solved.assignments) if i % 9 != 4 and a.person != idle
    ]
    return Plan.build(problem, kept, solved.result)


def save_png(figure: object, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    figure.savefig(path, dpi=60)  # type: ignore[attr-defined]
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 5_000  # something was drawn
    return path


def axes_with_gid(figure: object, gid: str) -> object:
    matches = [ax for ax in figure.axes if ax.get_gid() == gid]  # type: ignore[attr-defined]
    assert len(matches) == 1
    return matches[0]


def site_markers(ax: object, problem: Problem) -> dict[str, PathCollection]:
    """The square marker of each site, by site label."""
    labels = {site.label for site in problem.sites}
    return {
        c.get_label(): c
        for c in ax.collections  # type: ignore[attr-defined]
        if isinstance(c, PathCollection) and c.get_label() in labels
    }


def homes(ax: object) -> PathCollection:
    return next(c for c in ax.collections if c.get_gid() == "homes")  # type: ignore[attr-defined]


def postings_drawn(ax: object) -> list[tuple[str, str]]:
    """(person, site) of every posting line, from the lines' gids."""
    return [
        tuple(line.get_gid().split(":")[1:])
        for line in ax.lines  # type: ignore[attr-defined]
        if (line.get_gid() or "").startswith("posting:")
    ]


def overlapping(boxes: list[object]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])  # type: ignore[attr-defined]
    ]


def visible_label_boxes(figure: object, labels: list[object]) -> list[object]:
    """Window extents of the labels with text, as drawn by Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)  # type: ignore[arg-type]
    canvas.draw()
    renderer = canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in labels if t.get_visible() and t.get_text()]


# --------------------------------------------------------------------------- map


def test_map_draws_one_line_per_posting_in_the_site_colour(problem, plan, tmp_path):
    figure = plots.plot_map(problem, plan)
    ax = axes_with_gid(figure, "map")
    expected = {(a.person, a.site) for a in plan.assignments}
    drawn = postings_drawn(ax)
    assert len(drawn) == len(expected)
    assert set(drawn) == expected

    markers = site_markers(ax, problem)
    assert set(markers) == {site.label for site in problem.sites}
    for line in ax.lines:
        if line.get_gid().startswith("posting:"):
            site = problem.site(line.get_gid().split(":")[2])
            marker_colour = markers[site.label].get_facecolor()[0]
            assert np.allclose(to_rgba(line.get_color())[:3], marker_colour[:3])

    # the idle people's homes are grey (王建国 lives 130 km away), everyone else's in a site colour
    colours = homes(ax).get_facecolors()
    grey = to_rgba(plots.figures.UNASSIGNED_GREY)
    on_duty = {a.person for a in plan.assignments}
    idle = [i for i, p in enumerate(problem.people) if p.id not in on_duty]
    assert 0 in idle and len(idle) < len(problem.people)
    for i in range(len(problem.people)):
        assert np.allclose(colours[i], grey) == (i in idle)

    # site labels carry the Chinese names; the title names the problem, the axes say km
    labels = {t.get_text() for t in figure.findobj(Annotation) if t.get_gid() == "site-label"}
    assert labels == {site.label for site in problem.sites}
    assert "上庄村" in labels
    assert problem.name in ax.get_title()
    assert "km" in ax.get_xlabel() and "km" in ax.get_ylabel()
    legends = [a.get_legend() for a in figure.axes if a.get_legend() is not None]
    assert len(legends) == 1
    assert {site.label for site in problem.sites} <= {t.get_text() for t in legends[0].get_texts()}
    save_png(figure, tmp_path, "map")


def test_map_places_sites_at_their_true_distances(problem, plan):
    figure = plots.plot_map(problem, plan)
    ax = axes_with_gid(figure, "map")
    markers = site_markers(ax, problem)
    position = {label: marker.get_offsets()[0] for label, marker in markers.items()}
    first, second = problem.sites[0], problem.sites[1]
    drawn_km = float(np.linalg.norm(position[first.label] - position[second.label]))
    true_km = float(
        haversine_km(
            np.array([[first.location.lat, first.location.lon]]),
            np.array([[second.location.lat, second.location.lon]]),
        )[0, 0]
    )
    assert drawn_km == pytest.approx(true_km, rel=0.01)
    # the villages lie within a few km of each other, the homes up to 50 km away: a zoom panel
    zoom = axes_with_gid(figure, "zoom")
    assert len(zoom.lines) == len(ax.lines)
    assert set(site_markers(zoom, problem)) == set(position)


def test_map_on_given_axes_zooms_in_an_inset(problem, plan):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 9))
    ax = figure.add_subplot()
    assert plots.plot_map(problem, plan, ax=ax) is figure
    assert len(figure.axes) == 1
    assert len(postings_drawn(ax)) == len({(a.person, a.site) for a in plan.assignments})
    assert [inset.get_gid() for inset in ax.child_axes] == ["zoom"]


def commute_only_problem() -> tuple[Problem, np.ndarray, np.ndarray]:
    """Three sites and seven people on a plane, given to dutyplan only as round-trip km."""
    sites_xy = np.array([[0.0, 0.0], [6.0, 1.0], [2.0, 7.0]])
    people_xy = np.array(
        [[-8, -3], [10, -6], [4, 15], [-5, 9], [12, 8], [1, -11], [3, 3]], dtype=float
    )
    one_way = np.linalg.norm(people_xy[:, None, :] - sites_xy[None, :, :], axis=2)
    problem = Problem(
        name="plane",
        horizon={"start": "2024-01-01", "days": 2},
        shift_types=[{"id": "D", "start": "08:00", "minutes": 480}],
        sites=[
            {"id": f"s{k}", "name": f"site {k}", "gates": [{"id": "g", "demand": {"D": 1}}]}
            for k in range(3)
        ],
        people=[{"id": f"p{k}"} for k in range(7)],
        commute_km=(2 * one_way).tolist(),
    )
    return problem, one_way, people_xy


def hand_plan(problem: Problem, postings: list[tuple[str, str, str, str]]) -> Plan:
    """A plan from (person, date, site, gate) postings on the problem's first shift type."""
    shift = problem.shift_types[0].id
    assignments = [
        Assignment(
            person=person, date=dt.date.fromisoformat(day), shift=shift,
            start=problem.shift_start(dt.date.fromisoformat(day), shift),
            end=problem.shift_end(dt.date.fromisoformat(day), shift), site=site, gate=gate,
        )
        for person, day, site, gate in postings
    ]
    return Plan.build(problem, assignments, Result(status="feasible"))


def test_map_without_coordinates_lays_out_the_commute_distances(tmp_path):
    problem, one_way, _ = commute_only_problem()
    plan = hand_plan(problem, [("p0", "2024-01-01", "s0", "g"), ("p1", "2024-01-02", "s1", "g")])
    figure = plots.plot_map(problem, plan)
    ax = axes_with_gid(figure, "map")
    assert "layout from commute distances" in ax.get_title()
    people_xy = homes(ax).get_offsets()
    markers = site_markers(ax, problem)
    sites_xy = np.array([markers[site.label].get_offsets()[0] for site in problem.sites])
    drawn = np.linalg.norm(people_xy[:, None, :] - sites_xy[None, :, :], axis=2)
    assert np.allclose(drawn, one_way, rtol=0.02, atol=0.05)
    assert sorted(postings_drawn(ax)) == [("p0", "s0"), ("p1", "s1")]
    # the same input gives the same picture
    again = axes_with_gid(plots.plot_map(problem, plan), "map")
    assert np.array_equal(homes(again).get_offsets(), people_xy)
    save_png(figure, tmp_path, "map_layout")


def test_layout_from_distances_recovers_a_planar_configuration():
    rng = np.random.default_rng(7)
    people_xy = rng.uniform(-30, 30, size=(25, 2))
    sites_xy = rng.uniform(-5, 5, size=(4, 2))
    distances = np.linalg.norm(people_xy[:, None, :] - sites_xy[None, :, :], axis=2)
    found_people, found_sites = plots.layout_from_distances(distances, seed=3)
    assert found_people.shape == (25, 2) and found_sites.shape == (4, 2)
    found = np.linalg.norm(found_people[:, None, :] - found_sites[None, :, :], axis=2)
    assert np.abs(found - distances).max() < 0.01 * distances.max()
    # the site-to-site distances, never given, follow from the person-site ones
    true_sites = np.linalg.norm(sites_xy[:, None] - sites_xy[None], axis=2)
    found_between = np.linalg.norm(found_sites[:, None] - found_sites[None], axis=2)
    assert np.allclose(found_between, true_sites, atol=0.1)


# --------------------------------------------------------------------------- gantt


def bars(ax: object, prefix: str) -> list[object]:
    patches = ax.patches  # type: ignore[attr-defined]
    return [patch for patch in patches if (patch.get_gid() or "").startswith(prefix)]


def test_gantt_draws_one_bar_per_assignment_of_the_site(problem, plan, tmp_path):
    from matplotlib import dates as mdates

    site = "shangzhuang"
    figure = plots.plot_gantt(problem, plan, site=site)
    ax = figure.axes[0]
    at_site = [a for a in plan.assignments if a.site == site]
    duty_bars = bars(ax, "duty:")
    assert len(duty_bars) == len(at_site)
    rows = [t.get_text() for t in ax.get_yticklabels()]
    label = {p.id: p.label for p in problem.people}
    drawn = sorted(
        (
            mdates.num2date(bar.get_x()).replace(tzinfo=None),
            rows[round(bar.get_y() + bar.get_height() / 2)],
        )
        for bar in duty_bars
    )
    assert drawn == sorted((a.start, label[a.person]) for a in at_site)
    for bar in duty_bars:  # 7-hour shifts
        assert bar.get_width() == pytest.approx(7 / 24)

    short = [u for u in plan.uncovered if u.site == site]
    assert short  # the fixture dropped duties
    assert len(bars(ax, "uncovered:")) == len(short)
    assert any(row.startswith("uncovered: ") for row in rows)
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    gates_used = {g.label for g in problem.site(site).gates if any(a.gate == g.id for a in at_site)}
    assert legend == gates_used | {"uncovered (missing people)"}
    assert "上庄村" in ax.get_title()
    save_png(figure, tmp_path, "gantt")

    # date labels: one per date at most 14, formatted like "Feb 28"
    dates = [t.get_text() for t in ax.get_xticklabels(minor=True) if t.get_text()]
    assert dates[0] == "Feb 28" and len(dates) == 14


def test_gantt_defaults_to_the_first_site_with_duties(problem, plan):
    first = next(s for s in problem.sites if any(a.site == s.id for a in plan.assignments))
    ax = plots.plot_gantt(problem, plan).axes[0]
    assert first.label in ax.get_title()
    assert len(bars(ax, "duty:")) == sum(a.site == first.id for a in plan.assignments)


def test_gantt_of_the_whole_village_has_no_overlapping_labels(problem, solved, tmp_path):
    # every duty moved to one gate: a row for everyone on duty, over fourteen days
    crowded = Plan.build(
        problem,
        [a.model_copy(update={"site": "shangzhuang", "gate": "main"}) for a in solved.assignments],
        solved.result,
    )
    figure = plots.plot_gantt(problem, crowded, site="shangzhuang")
    ax = figure.axes[0]
    save_png(figure, tmp_path, "gantt_crowded")
    people = {a.person for a in crowded.assignments}
    assert len(ax.get_yticklabels()) >= len(people) >= 15
    assert overlapping(visible_label_boxes(figure, ax.get_yticklabels())) == []
    assert overlapping(visible_label_boxes(figure, ax.get_xticklabels(minor=True))) == []


def test_gantt_rejects_an_unknown_site(problem, plan):
    with pytest.raises(dutyplan.ProblemError, match="nowhere"):
        plots.plot_gantt(problem, plan, site="nowhere")


# --------------------------------------------------------------------------- coverage


def test_coverage_marks_exactly_the_uncovered_gate_shifts_in_red(problem, plan, tmp_path):
    figure = plots.plot_coverage(problem, plan)
    ax = figure.axes[0]
    image = next(artist for artist in ax.get_children() if isinstance(artist, AxesImage))
    gates, instances, ratio = plots.coverage_grid(problem, plan)
    assert np.ma.allequal(image.get_array(), ratio)
    rgba = image.to_rgba(image.get_array())
    red = (rgba[..., 0] > 0.6) & (rgba[..., 1] < 0.5) & (rgba[..., 2] < 0.5)
    row = {
        (problem.sites[s].id, problem.sites[s].gates[g].id): r for r, (s, g) in enumerate(gates)
    }
    column = {instance: c for c, instance in enumerate(instances)}
    expected = {(row[(u.site, u.gate)], column[(u.date, u.shift)]) for u in plan.uncovered}
    assert plan.uncovered
    assert set(zip(*np.nonzero(red), strict=True)) == expected

    # closed gate-shifts (no demand) are blank, every open one is drawn
    closed = np.array([
        [problem.demand(s, g, day, shift) is None for day, shift in instances] for s, g in gates
    ])
    assert np.array_equal(np.ma.getmaskarray(image.get_array()), closed)
    assert closed.any()

    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == f"{problem.sites[0].label} / {problem.sites[0].gates[0].label}"
    assert any("上庄村" in text for text in labels)
    dates = [t.get_text() for t in ax.get_xticklabels()]
    assert dates == [day.strftime("%b %d") for day in problem.dates]  # one label per date
    assert len(figure.axes) == 2  # the heat map and its colour bar
    assert f"{len(plan.uncovered)} gate-shifts short" in ax.get_title()
    save_png(figure, tmp_path, "coverage")


# --------------------------------------------------------------------------- convergence


def progress_plan() -> Plan:
    points = [
        ProgressPoint(seconds=0.5, stage="cover", value=900, bound=0),
        ProgressPoint(seconds=1.0, stage="cover", value=300, bound=120),
        ProgressPoint(seconds=2.0, stage="cover", value=200, bound=200),
        ProgressPoint(seconds=2.5, stage="commute", value=80, bound=10),
        ProgressPoint(seconds=4.0, stage="commute", value=50, bound=30),
    ]
    result = Result(status="feasible", objective=250, best_bound=230, build_seconds=0.3,
                    solve_seconds=5.0, progress=points)
    return Plan(problem="toy", result=result)


def test_convergence_draws_every_progress_point_per_stage(tmp_path):
    plan = progress_plan()
    figure = plots.plot_convergence(plan)
    assert len(figure.axes) == 2  # one panel per stage
    for ax, stage in zip(figure.axes, ("cover", "commute"), strict=True):
        points = [p for p in plan.result.progress if p.stage == stage]
        value = next(line for line in ax.lines if line.get_gid() == f"value:{stage}")
        bound = next(line for line in ax.lines if line.get_gid() == f"bound:{stage}")
        assert list(value.get_xdata()[: len(points)]) == [p.seconds for p in points]
        assert list(value.get_ydata()[: len(points)]) == [p.value for p in points]
        assert list(bound.get_ydata()[: len(points)]) == [p.bound for p in points]
        assert value.get_drawstyle() == "steps-post"
        assert stage in ax.get_title(loc="left")
    # cover's line runs until commute starts, commute's until the solve ends
    assert figure.axes[0].lines[0].get_xdata()[-1] == 2.5
    assert figure.axes[1].lines[0].get_xdata()[-1] == pytest.approx(5.3)
    assert "seconds" in figure.axes[-1].get_xlabel()
    save_png(figure, tmp_path, "convergence")


def test_convergence_on_given_axes_keeps_the_stages_apart():
    from matplotlib.figure import Figure

    figure = Figure()
    ax = figure.add_subplot()
    assert plots.plot_convergence(progress_plan(), ax=ax) is figure
    assert {line.get_gid() for line in ax.lines if line.get_gid()} == {
        "value:cover", "bound:cover", "value:commute", "bound:commute"
    }
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"cover: best plan", "commute: best bound"} <= legend


def test_convergence_of_a_solve(solved, tmp_path):
    figure = plots.plot_convergence(solved)
    drawn = {
        (float(x), float(y))
        for ax in figure.axes
        for line in ax.lines
        if (line.get_gid() or "").startswith("value:")
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)
    }
    assert solved.result.progress
    assert {(p.seconds, float(p.value)) for p in solved.result.progress} <= drawn
    save_png(figure, tmp_path, "convergence_solve")


def test_convergence_says_when_nothing_was_recorded(tmp_path):
    from matplotlib import pyplot

    figure = plots.plot_convergence(Plan(problem="toy", result=Result(status="unknown")))
    assert "no progress recorded" in figure.axes[0].get_title()
    assert figure.number in pyplot.get_fignums()  # a pyplot figure: notebooks show it
    save_png(figure, tmp_path, "convergence_empty")


# --------------------------------------------------------------------------- fonts


def test_chinese_labels_get_a_cjk_font_for_that_figure_only(problem, plan):
    family = plots.find_cjk_font("上庄村")
    if family is None:
        pytest.skip("no CJK font installed")
    before = list(matplotlib.rcParams["font.family"])
    figure = plots.plot_coverage(problem, plan)
    assert list(matplotlib.rcParams["font.family"]) == before
    chinese = [t for t in figure.axes[0].get_yticklabels() if "上庄村" in t.get_text()]
    assert chinese and all(family in t.get_fontfamily() for t in chinese)


def test_cjk_glyphs_render_on_axes_made_by_the_caller(problem, plan):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if plots.find_cjk_font("上庄村") is None:
        pytest.skip("no CJK font installed")
    figure = Figure(figsize=(13, 8))
    ax = figure.add_subplot()  # its first ticks exist before the plot sets a font
    assert plots.plot_gantt(problem, plan, site="shangzhuang", ax=ax) is figure
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        FigureCanvasAgg(figure).draw()
    assert [str(w.message) for w in caught if "missing from" in str(w.message)] == []


def test_a_given_font_is_used(problem, plan):
    figure = plots.plot_gantt(problem, plan, font="DejaVu Sans")
    assert all(t.get_fontfamily()[0] == "DejaVu Sans" for t in figure.axes[0].get_yticklabels())


def test_the_font_context_puts_back_the_font_family_only():
    """A notebook backend turns interactive mode on when pyplot is first imported, which may
    happen inside the context: it must stay on (else no later figure shows in the notebook)."""
    before = (list(matplotlib.rcParams["font.family"]), matplotlib.is_interactive())
    try:
        with plots.use_cjk_font(["上庄村"]) as families:
            assert matplotlib.rcParams["font.family"] == families
            matplotlib.interactive(True)
        assert list(matplotlib.rcParams["font.family"]) == before[0]
        assert matplotlib.is_interactive()
    finally:
        matplotlib.interactive(before[1])


def test_latin_labels_leave_the_font_alone():
    with plots.use_cjk_font(["day 08-16", "gate A"]) as family:
        assert family is None


def test_missing_cjk_font_warns_once_and_still_draws(problem, plan, monkeypatch, caplog, tmp_path):
    monkeypatch.setattr(plots.fonts, "find_cjk_font", lambda characters="", closest=False: None)
    plots.fonts.warn_missing_font.cache_clear()  # as if no plot had been drawn yet
    with caplog.at_level(logging.WARNING, logger="dutyplan"):
        first = plots.plot_coverage(problem, plan)
        plots.plot_map(problem, plan)
    records = [r for r in caplog.records if r.name == "dutyplan" and "font" in r.getMessage()]
    assert len(records) == 1
    assert "fonts-noto-cjk" in records[0].getMessage() and "font=" in records[0].getMessage()
    with warnings.catch_warnings(record=True) as caught:  # not matplotlib's own, per glyph
        save_png(first, tmp_path, "coverage_without_cjk_font")
    assert [str(w.message) for w in caught if "missing from" in str(w.message)] == []


def test_the_bundled_font_draws_chinese_on_a_machine_without_one(problem, plan, tmp_path):
    """The README's install brings a font with every hanzi of GB 2312: all four plot kinds of the
    Chinese example draw without a missing glyph."""
    from dutyplan.fonts import FAMILY, font_path

    assert font_path() is not None and font_path().stat().st_size > 1_000_000
    assert plots.find_cjk_font("上庄村东西南北门早中夜班延吉朝鲜") == FAMILY
    figures = [
        plots.plot_map(problem, plan),
        plots.plot_gantt(problem, plan),
        plots.plot_coverage(problem, plan),
        plots.plot_convergence(plan),
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for number, figure in enumerate(figures):
            save_png(figure, tmp_path, f"bundled_font_{number}")
    assert [str(w.message) for w in caught if "missing from" in str(w.message)] == []


def test_a_character_no_font_has_is_reported_once_not_per_glyph(monkeypatch, caplog, tmp_path):
    from matplotlib.figure import Figure

    monkeypatch.setattr(plots.fonts, "_told_missing", set())
    rare = "\U0002a6a5"  # an extension B ideograph, outside GB 2312 and the bundled font
    with caplog.at_level(logging.WARNING, logger="dutyplan"):
        for _ in range(2):
            with plots.use_cjk_font([f"上庄村 {rare}"]) as families:
                assert families[-1] == plots.fonts.BUNDLED_FAMILY  # the closest still draws 上庄村
                figure = Figure()
                figure.add_subplot().set_title(f"上庄村 {rare}")
            with warnings.catch_warnings(record=True) as caught:
                figure.savefig(tmp_path / "rare.png")
            assert [str(w.message) for w in caught if "missing from" in str(w.message)] == []
    records = [r for r in caplog.records if r.name == "dutyplan" and rare in r.getMessage()]
    assert len(records) == 1 and "font=" in records[0].getMessage()


# --------------------------------------------------------------------------- without matplotlib


def test_without_matplotlib_every_plot_names_the_install_command(problem, plan, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    calls = [
        lambda: plots.plot_map(problem, plan),
        lambda: plots.plot_gantt(problem, plan),
        lambda: plots.plot_coverage(problem, plan),
        lambda: plots.plot_convergence(plan),
    ]
    for call in calls:
        with pytest.raises(DutyplanError) as raised:
            call()
        assert str(raised.value) == "plots need matplotlib: pip install 'dutyplan[plots]'"


def test_importing_dutyplan_does_not_import_matplotlib():
    code = "import sys, dutyplan, dutyplan.plots; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_coverage_columns_are_the_shift_instances_in_time_order(problem, plan):
    _, instances, _ = plots.coverage_grid(problem, plan)
    starts = [problem.shift_start(day, shift) for day, shift in instances]
    assert starts == sorted(starts)
    assert len(starts) == problem.horizon.days * len(problem.shift_types)
    assert instances[:2] == [(problem.horizon.start, "AM"), (problem.horizon.start, "PM")]


# --------------------------------------------------------------------------- at every size


def greedy_plan(problem: Problem) -> Plan:
    """A cheap plan for the picture tests: each gate-shift gets the first free person."""
    busy: set[tuple[str, object]] = set()
    assignments = []
    people = iter(p.id for p in problem.people for _ in range(3))
    for si, site in enumerate(problem.sites[:30]):  # some sites covered, the rest short
        for gi, gate in enumerate(site.gates):
            for day in problem.dates[:3]:
                shift = problem.shift_types[1 % len(problem.shift_types)]
                if problem.demand(si, gi, day, shift.id) is None:
                    continue
                person = next(people, None)
                if person is None or (person, day) in busy:
                    continue
                busy.add((person, day))
                assignments.append(Assignment(
                    person=person, date=day, shift=shift.id, site=site.id, gate=gate.id,
                    start=problem.shift_start(day, shift.id), end=problem.shift_end(day, shift.id)))
    return Plan.build(problem, assignments, Result(status="feasible"))


def overlapping_texts(figure: object) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty texts whose drawn boxes overlap (tick labels included)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()
             and t.get_gid() == "site-label"]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    return [(a, b) for i, (a, box) in enumerate(boxes) for b, other in boxes[i + 1:]
            if box.overlaps(other)]


@pytest.mark.parametrize("size", [(20, 4, 7), (300, 24, 48), (3000, 250, 500)],
                         ids=["village", "district", "city-district"])
def test_every_plot_stays_readable_at_every_size(size, problem: Problem, tmp_path: Path) -> None:
    from dutyplan import synth

    people, sites, gates = size
    case = problem if sites == 4 else synth.generate(people, sites, gates, 14, seed=1)
    plan = greedy_plan(case)
    figures = {
        "map": plots.plot_map(case, plan),
        "coverage": plots.plot_coverage(case, plan),
        "gantt": plots.plot_gantt(case, plan),
        "convergence": plots.plot_convergence(plan),
    }
    for kind, figure in figures.items():
        width, height = figure.get_size_inches() * figure.dpi
        assert width <= 1500 and height <= 2500, (kind, width, height)  # was 26,907 px tall
        save_png(figure, tmp_path, f"{kind}_{sites}")
    assert overlapping_texts(figures["map"]) == []
    labels = [t for t in figures["map"].findobj() if getattr(t, "get_gid", None) and t.get_gid() == "site-label"]
    if sites == 4:
        assert len(labels) == 4  # a village: every site named
    legend = figures["map"].axes[0].get_legend() or next(
        a.get_legend() for a in figures["map"].axes if a.get_legend())
    assert len(legend.get_texts()) <= 15  # was one entry per site: 250 ran off the figure
    rows = figures["coverage"].axes[0].get_yticklabels()
    assert len(rows) <= 60
    if sites > 60:  # the worst sites first
        title = figures["coverage"].axes[0].get_title()
        assert f"the 60 of {sites} sites with most person-shifts missing" in title


def test_the_gantt_chart_of_a_big_site_comes_a_page_at_a_time(tmp_path: Path) -> None:
    from _helpers import make_problem

    case = make_problem(days=3, people=[{"id": f"p{i:03d}"} for i in range(150)],
                        sites=[{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 50}}]}])
    duties = [
        Assignment(person=person.id, date=day, shift="D", site="S1", gate="G1",
                   start=case.shift_start(day, "D"), end=case.shift_end(day, "D"))
        for k, person in enumerate(case.people) for day in [case.dates[k % 3]]
    ]
    plan = Plan.build(case, duties, Result(status="feasible"))  # 150 people, one duty each
    first = plots.plot_gantt(case, plan)
    assert first.get_size_inches()[1] * first.dpi <= 2500
    assert "people 1-60 of 150, page 1 of 3" in first.axes[0].get_title()
    assert "150 shifts" in first.axes[0].get_title()
    last = plots.plot_gantt(case, plan, page=2)
    assert [t.get_text() for t in last.axes[0].get_yticklabels()][:1] == ["p120"]
    with pytest.raises(DutyplanError, match="pages 0 to 2"):
        plots.plot_gantt(case, plan, page=3)
