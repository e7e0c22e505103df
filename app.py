"""humanline — the Streamlit front end (`make app`).

Thin on purpose: the sidebar (ui.sidebar) maps widgets onto the Scenario via
sim.model.knobs; each page (ui/pages/*.py) reads the cached run (ui.cached_runs)
and draws it with sim.present.charts and ui.tables. Nothing here simulates or
computes a statistic.
"""

import streamlit as st

from ui import cached_runs, sidebar

st.set_page_config(page_title="humanline: the cost of cutting human agents", page_icon=":telephone_receiver:",
                   layout="wide")

CLASSROOM = st.Page("ui/pages/classroom.py", title="Classroom", icon=":material/school:")
PAGES = [
    st.Page("ui/pages/compare.py", title="Compare policies", icon=":material/balance:", default=True),
    st.Page("ui/pages/frontier.py", title="Cost of cutting", icon=":material/trending_down:"),
    st.Page("ui/pages/emergencies.py", title="Emergencies", icon=":material/emergency:"),
    st.Page("ui/pages/roster.py", title="Roster and demand", icon=":material/calendar_month:"),
    st.Page("ui/pages/plan_roster.py", title="Plan a roster", icon=":material/event_available:"),
    st.Page("ui/pages/edit_roster.py", title="Edit a roster", icon=":material/edit_calendar:"),
    st.Page("ui/pages/what_matters.py", title="What matters", icon=":material/tune:"),
    st.Page("ui/pages/calibrate.py", title="Bring your own centre", icon=":material/upload_file:"),
    CLASSROOM,
    st.Page("ui/pages/assumptions.py", title="Assumptions", icon=":material/fact_check:"),
    st.Page("ui/pages/downloads.py", title="Downloads", icon=":material/download:"),
]

page = st.navigation(PAGES)
sidebar.keep_widget_state()
# Compared by identity: st.navigation returns one of PAGES, and outside a Streamlit run (a process that
# re-imports this script as __main__, e.g. a spawned worker) the page has no url_path to compare.
if page is not CLASSROOM:  # the classroom has its own inputs; the scenario sidebar does nothing there
    sidebar.sidebar()
page.run()
cached_runs.start_ahead()  # what the next pages draw first, traced now that this one is drawn (ui/ahead.py)
