"""What a check leaves behind: verdicts, the one counterexample value with replay, the words
for what changed between states, and the reports written from a counterexample."""
