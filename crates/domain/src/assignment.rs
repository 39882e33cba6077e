//! Who gets a new case of a team: by rotation (round-robin) or by load (least-busy). Pure
//! choices over what the caller read under the team's lock; only eligible agents (active,
//! available, members of the team) are passed in.

use crate::string_enum;

string_enum! {
    /// How a team's new unassigned cases are given out.
    AssignmentStrategy {
        Manual => "manual",
        RoundRobin => "round_robin",
        LeastBusy => "least_busy",
    }
}

/// The next agent after `last` in the rotation (ascending ids, wrapping around); the first one
/// when `last` is none or no longer eligible behind anyone.
pub fn round_robin(eligible: &[i64], last: Option<i64>) -> Option<i64> {
    let mut sorted = eligible.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    match last {
        Some(last) => sorted
            .iter()
            .copied()
            .find(|id| *id > last)
            .or(sorted.first().copied()),
        None => sorted.first().copied(),
    }
}

/// The agent with the fewest open cases; ties go to the lowest id, so the choice is stable.
pub fn least_busy(load: &[(i64, i64)]) -> Option<i64> {
    load.iter()
        .min_by_key(|(id, open)| (*open, *id))
        .map(|(id, _)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_rotates_and_wraps() {
        let team = [30, 10, 20];
        assert_eq!(round_robin(&team, None), Some(10));
        assert_eq!(round_robin(&team, Some(10)), Some(20));
        assert_eq!(round_robin(&team, Some(20)), Some(30));
        assert_eq!(round_robin(&team, Some(30)), Some(10));
        // The last one left the team or went on leave: the rotation goes on from there.
        assert_eq!(round_robin(&[10, 30], Some(20)), Some(30));
        assert_eq!(round_robin(&[], Some(20)), None);
    }

    #[test]
    fn round_robin_spreads_evenly() {
        let team = [1, 2, 3];
        let mut last = None;
        let mut counts = [0; 4];
        for _ in 0..30 {
            last = round_robin(&team, last);
            counts[last.unwrap() as usize] += 1;
        }
        assert_eq!(counts[1..], [10, 10, 10]);
    }

    #[test]
    fn least_busy_takes_the_lightest_load() {
        assert_eq!(least_busy(&[(1, 5), (2, 0), (3, 2)]), Some(2));
        assert_eq!(
            least_busy(&[(1, 2), (2, 3), (3, 2)]),
            Some(1),
            "ties: lowest id"
        );
        assert_eq!(least_busy(&[]), None);
    }
}
