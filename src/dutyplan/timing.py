"""Every fixed split of a time limit, named once, with the measurement that chose it.

A solve's time limit is one :class:`dutyplan.budget.Budget` (the one clock). Wherever a step
gets a fixed part of what is left (a first plan, a bound, a round of site jobs), the part is a
field of :class:`TimeSplits` and the code reads it from :data:`SPLITS`; nowhere else is a time
limit cut by a literal. ``benchmarks/time_splits.py`` measures any of them on its scenario:

    python benchmarks/time_splits.py first_round_share 0.2 0.4 0.6

runs the scenario with each value (several seeds, 1 and 2 workers, deterministic time so the
figures do not depend on the machine's load) and writes the objectives per value; the results
are in ``benchmarks/results/time_splits_*.md``. A field's comment says what was measured; a
field whose comment says *not measured* was set by judgement and is waiting for its run.

``share`` fields are fractions of the time left (or of the whole limit where the comment says
so); ``seconds`` fields are seconds (of deterministic time under ``deterministic=True``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

__all__ = ["SPLITS", "TimeSplits"]


@dataclass(frozen=True)
class TimeSplits:
    # --- one model (dutyplan.solver.single) -------------------------------------------------
    # kept at the end for the relaxation bound on commute, when there are several sites and
    # commute costs: this share of the whole limit, at most ``commute_bound_most`` seconds.
    # Measured (benchmarks/results/time_splits_commute_bound_share.md: Shangzhuang, 10 s
    # deterministic, seeds 0-2, 1 and 2 workers): against 0.1, 0.05 was better in 1 run of 6
    # and the same in 5; 0.2 better in 1, the same in 3, worse in 2. No reason to change.
    commute_bound_share: float = 0.1
    commute_bound_most: float = 5.0
    # completing a hint (a plan in hand) into a solution of the model. Not measured yet (set by
    # judgement).
    hint_share: float = 0.5
    # the person-by-person first plan of a large model: this share of what is left, up to
    # ``person_start_most_share`` when that still leaves the whole model this many seconds.
    # Measured: the one-year Curtois instances 22-24 have no plan at all without it, and 120 s
    # in all was too little for Instance23's 100 people (Instance24's 150 take 2-3 s each)
    person_start_share: float = 0.6
    person_start_most_share: float = 0.8
    person_start_model_seconds: float = 60.0
    # completing that first plan into a solution of the model. Not measured yet (set by judgement).
    start_completion_share: float = 0.5
    # roster column generation (dutyplan.solver.columns) before a weighted model's search: at
    # most this share of what is left for its bound (it stops once the LP is optimal), then
    # ``columns_plan_share`` of what is left for a plan from its columns (price and branch).
    # Set by judgement; measured at 60 s, 2 workers (benchmarks/results/columns_*.md): the LP
    # of Curtois 1-12 is optimal in 0.1-21 s.
    columns_share: float = 0.3
    # ... given up when this share of that time gives no bound above 0 (Curtois Instance13,
    # 120 people and 18 shift types: -19,992 after 120 s). Set by judgement.
    columns_give_up: float = 0.5
    # ... then at most this share of what is left for a dive from its master (fix people to
    # rosters step by step, pricing the others again): measured (Curtois, 2 workers) 1,278 =
    # the optimum on Instance14 in 47 s, 1,302 on Instance8 (best known 1,300) in 15 s
    columns_dive_share: float = 0.5
    # ... and when the dive gives no plan, this share for price and branch over its columns
    columns_plan_share: float = 0.05
    # ... and that plan is the search's start only when within this share of the bound.
    # Measured (Curtois 1-12, 60 s, 2 workers, seed 0): price and branch is within 0.4% of the
    # bound on 1-5 and 15-350% above it from 6 on, where starting from it cost the plan
    # (Instance9: 544 against 446 without the roster bound, Instance8: 1,619 against 1,502).
    columns_start_gap: float = 0.05
    # the pricing program (dutyplan.solver.pricing) of one person keeps at most this many
    # states (counters that do not fit are relaxed and CP-SAT settles the person); 0: CP-SAT
    # prices every person. Set by judgement (a person of Curtois 1-12 has 500-54,000).
    pricing_states: int = 150_000

    # --- levels (dutyplan.solver.stages, dutyplan.solver.lns) --------------------------------
    # the relative share of the time each lexicographic level gets (time a level does not use rolls
    # over to the next); ``solve(stage_share=...)`` overrides it per call. Not measured yet (set by
    # judgement).
    stage_shares: dict[str, int] = field(default_factory=lambda: {
        "cover": 4, "changes": 3, "rules": 2, "preferences": 1, "commute": 2, "fairness": 1, "weighted": 1,
    })
    # of a large stage's time, what dutyplan's neighbourhood search gets once CP-SAT's own
    # search has had the rest (one-year Curtois Instance20, 54,600 postings: every one of its
    # sub-problems improved the plan, 11974 at 120 s)
    # Measured again (benchmarks/results/time_splits_lns_share.md: Curtois Instance13, 60 s
    # deterministic, seeds 0-2, 1 and 2 workers): 0.9 beat 0.7 in all 6 runs (objective 6,926
    # to 9,197 against 7,215 to 9,508) and 0.4 lost all 6, so 0.9 (one instance measured).
    lns_share: float = 0.9
    # of a preferences, commute or fairness stage's time (once cover is 0), what the aggregate
    # master (dutyplan.solver.aggregate) and its fixed-choice plans get before CP-SAT's own
    # search of the whole model (0: no proofs). Not measured yet (set by judgement: on
    # Shangzhuang the search of the whole model after a proof that ran out of time never
    # improved the plan).
    proof_share: float = 0.8
    # ... of a cover or rules stage (the site choice of least commute, tried once): the search
    # of the whole model is what covers when that choice cannot. Not measured yet (set by
    # judgement: at 0.8 a 1-worker Shangzhuang run at 10 s once left cover short; at 0.4 the
    # covering plan of the chosen sites was sometimes not found in time on 1 worker).
    cover_proof_share: float = 0.6
    # stages with less time leave it all to CP-SAT. Not measured yet (set by judgement).
    lns_least_seconds: float = 4.0
    # on one worker (no neighbourhood search of CP-SAT's own) ours runs above 8,000 postings
    # in stages of at least this long. Measured on Yuncheng (12,795 postings, 10 s, seeds 0-2):
    # objective 13,650-17,667 against 20,199-22,026 without it; on 2 workers it did worse
    # (13,626-13,957 against 11,582-12,232), so there it stays above 20,000 postings and 4 s.
    lns_least_seconds_one_worker: float = 1.0
    # one neighbourhood's search: many short ones beat few long ones (Instance20: sub-problems
    # of 6 s each improved every time, so more of them gain more)
    lns_sub_seconds: float = 2.0
    # the least time to complete a plan in hand into a solution (propagation only). Not measured yet
    # (set by judgement).
    completion_seconds: float = 0.5

    # --- sites first (dutyplan.decompose) ----------------------------------------------------
    # rostering one site is cover first: it gets most of each site job's time. Not measured yet (set
    # by judgement).
    site_stage_shares: dict[str, int] = field(default_factory=lambda: {
        "cover": 12, "rules": 2, "preferences": 1, "commute": 2, "fairness": 1,
    })
    # the site choice on the compiled index: this share of the whole limit, at most 30 s. Not
    # measured yet (set by judgement).
    site_choice_share: float = 0.1
    site_choice_most: float = 30.0
    # kept for the end (merge, polish or sum, the plan's figures, bounds): this share of the
    # whole limit, at most so many seconds; at city scale (no compiled index) more, for the
    # flat-array bound. The least reserve is measured (decompose/merge.py: 0.5 s plus 15 us a
    # gate-shift needing people); these shares on top of it are not measured yet.
    end_share: float = 0.05
    end_most: float = 5.0
    city_end_share: float = 0.15
    city_end_most: float = 120.0
    # the first round of site jobs gets this share of the (worker-multiplied) time left, the
    # rest goes to repair and to improving unproven sites. Measured
    # (benchmarks/results/time_splits_first_round_share.md: a 500-person, 50-site district,
    # 30 s deterministic, seeds 0-2): against 0.4, 0.2 covered more on 1 worker (1,920-7,680
    # of cover cost left against 8,640-10,560) but, at full cover on 2 workers, left worse
    # preferences (1,710-1,751 against 1,538-1,599); 0.6 was worse in all 6 runs.
    first_round_share: float = 0.4
    # a repair round (sites with no plan, or short) and an improving round. Not measured yet (set by
    # judgement).
    repair_round_share: float = 0.5
    improve_round_share: float = 0.95
    # a site job's least seconds. Each job starts from a greedy roster, so a short search only
    # improves it: measured on 80 random sites of a 74,000-person city (4-18 people), 0.05 s
    # each gave full cover at all 80 in 0.10 s a job (0.15 s: the same cover in 0.15 s a job)
    site_least_seconds: float = 0.05
    # the bound after polishing a merged plan on the whole model: relaxations, then the
    # aggregate master level by level (dutyplan.solver.proofs.master_bounds). Set by judgement
    # from one measurement: on the synthetic 100-person district the master's fairness bound
    # (6,720 where it had been 0) takes 2-4 s on 2 workers, and 3 s (0.05 of 60 s) left it none.
    polish_bound_share: float = 0.1
    polish_bound_most: float = 10.0
    # explaining why a site has no roster: this share of what is left, at most 10 s. Not measured
    # yet (set by judgement).
    explain_share: float = 0.5
    explain_most: float = 10.0

    # --- re-plan (dutyplan.replan) -----------------------------------------------------------
    # completing the published plan's admissible duties into a solution. Measured
    # (benchmarks/results/time_splits_replan_start_share.md: Shangzhuang, the two busiest people
    # ill from day 5, 5 s deterministic, seeds 0-2, 1 and 2 workers): 0.1, 0.2 and 0.4 all gave
    # the same proven optimum in all 18 runs, so nothing to choose between them there.
    replan_start_share: float = 0.2
    # cover first (never beyond the published cover): CP-SAT, then neighbourhood search. Not
    # measured yet (set by judgement).
    replan_cover_share: float = 0.5
    replan_cover_lns_share: float = 0.3

    # --- fewest extra people (dutyplan.staffing) ---------------------------------------------
    # the bound on how many sites need an extra person: this share of what is left, at most
    # 10 s. Not measured yet (set by judgement).
    staffing_site_bound_share: float = 0.25
    staffing_site_bound_most: float = 10.0
    # the minimum number of extra people; the cover curve shares out the rest. Not measured yet (set
    # by judgement).
    staffing_minimum_share: float = 0.5

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, dict):  # relative shares by level
                if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value.values()):
                    raise ValueError(f"TimeSplits.{item.name} must map levels to whole numbers >= 0, got {value!r}")
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
                raise ValueError(f"TimeSplits.{item.name} must be a number >= 0, got {value!r}")
            if item.name.endswith("_share") and value > 1:
                raise ValueError(f"TimeSplits.{item.name} is a share of the time, at most 1, got {value!r}")


#: The splits every solve uses. Benchmarks replace it (``dutyplan.timing.SPLITS =
#: dataclasses.replace(SPLITS, ...)``) to measure an alternative; the library never does.
SPLITS = TimeSplits()
