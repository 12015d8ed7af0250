# Shared by the benchmark scripts (sourced): a server's CPU time, reducing rounds to one figure, and the retrieve load's token supply.

# CPU time (user + system, clock ticks) process $1 has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)
# The median of the arguments (the upper one of an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# $1 / $2 with two decimals (0 when $2 is 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# Pre-made service tokens per second of a users/retrieve run (each is single use; see run.sh).
retrieve_tokens_per_second=40000
