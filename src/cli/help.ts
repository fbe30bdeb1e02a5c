// `vigil --help`: the whole command line in one screen.
export const helpText = `vigil — incident-response workbench for container hosts

Usage:
  vigil [--profile FILE] [--record FILE] [--lang en|zh]
      The workbench on this host's live sources (Docker, kernel audit, /proc, container
      files, authentication logs, Kubernetes audit log and pod watch): alerts by
      category, drill-down (Enter), whitelists (w, W), acknowledgements (a), export (e),
      recording (R); ? lists every key. Not on a terminal, it prints alert lines instead.
  vigil --replay FILE [--profile FILE] [--lang en|zh]
      The workbench over a recording: space pauses, + - speed, . steps, n N jump between
      alerts, g G start/end.
  vigil detect [inputs] [--profile FILE] [--json] [--record FILE]
      Headless: alerts on stdout, one JSON object per line with --json.
      Inputs (default --live):
        --live [--duration SECONDS]   this host's live sources; stop after SECONDS
        --replay FILE                 a vigil recording (.jsonl, or .jsonl.gz)
        --audit-log FILE              a Linux audit log as auditd writes it (offline:
                                      containers are recognised from the log's process tree)
        --k8s-audit FILE              a Kubernetes audit log: audit.k8s.io/v1 Event objects,
                                      one per line (or an EventList document)
  vigil record FILE [--duration SECONDS] [--profile FILE]
      Record every event the live sources see to FILE (gzip when it ends in .gz).
  vigil rules [--json]
      The rule catalogue: id, category, severity, title.

Options:
  --profile FILE        policy merged over profiles/default.yaml (YAML or JSON)
  --record FILE         also record every event seen to FILE
  --json                one JSON alert per line
  --keep-env-values     keep container environment values in events and recordings
                        (redacted by default: they often hold secrets)
  --state FILE          state file: process-whitelist entries and acknowledgements
                        (default $XDG_STATE_HOME/vigil/state.json)
  --lang en|zh          the workbench in English or Chinese (rule and category names)
  -h, --help            this help
  -v, --version         vigil's version

Exit status: 0 on success; 2 with a one-line message on stderr for bad usage or
unreadable input. Live runs stop on SIGINT/SIGTERM and close recordings cleanly.
Needs: read access to the Docker socket (DOCKER_HOST is honoured as the docker CLI does);
root for the kernel audit source (vigil loads profiles/audit.rules with auditctl when they
are absent, and says why when it cannot: then execs come only from 1 s /proc scans).
`;
