#!/bin/sh
# Regenerates screenshots/*.svg from the demo at a fixed seed and a fixed incident moment,
# so the pictures in the README change only when the dashboard does.
set -eu
cd "$(dirname "$0")/.."
export TZ=UTC
unset NO_COLOR TEXTUAL_THEME TEXTUAL_COLOR_SYSTEM || true
SEED=7
AT=$(python -c 'from oncall_tui.sources.demo import incident_time; print(incident_time("arq", "saturation"))')
shot() { python -m oncall_tui screenshot --demo --seed "$SEED" --at "$AT" "$@"; }
shot --size 120x40 --out screenshots/overview-incident.svg
shot --size 120x40 --screen service --service arq --out screenshots/service.svg
shot --size 120x40 --screen alerts --out screenshots/alerts.svg
shot --size 80x24 --out screenshots/overview-80x24.svg
# r on cqar's worst panel at the height of its incident: the runbook pane beside the panels
python -m oncall_tui screenshot --demo --seed "$SEED" --at "$(python -c 'from oncall_tui.sources.demo import incident_time; print(incident_time("cqar", "saturation"))')" \
  --size 160x45 --screen runbook --service cqar --out screenshots/runbook.svg
# cqar a minute into its incident: a crash-looping, OOM-killed pod and a rollout under way
python -m oncall_tui screenshot --demo --seed "$SEED" --at "$(python -c 'from oncall_tui.sources.demo import INCIDENT_START; print(INCIDENT_START["cqar"] + 60)')" \
  --size 170x48 --screen workloads --service cqar --out screenshots/workloads.svg
# the war-room view during cqar's incident: a tile per service, the crit one first
python -m oncall_tui screenshot --demo --seed "$SEED" --at "$(python -c 'from oncall_tui.sources.demo import incident_time; print(incident_time("cqar", "saturation"))')" \
  --size 160x45 --screen war-room --out screenshots/war-room.svg
# the demo's scripted incident, played on a frozen clock: the war-room view with the incident's
# clocks, and the postmortem written from its recording
python scripts/incident_example.py --svg screenshots/war-room-incident.svg --postmortem docs/postmortem-example.md
# cqar's SLO panel while its error spike fires the fast page pair
python -m oncall_tui screenshot --demo --seed "$SEED" --at "$(python -c 'from oncall_tui.sources.demo import incident_time; print(incident_time("cqar", "saturation") + 14)')" \
  --size 120x40 --screen service --service cqar --out screenshots/slo.svg
