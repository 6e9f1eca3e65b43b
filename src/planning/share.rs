//! Shares a flow out among needs that are alike.
//!
//! Needs that may use the same groups, and that no search decision names,
//! have the same arcs in the flow network, so the search gives them one node
//! between them (see `search.rs`). Any sharing out of that node's flow among
//! them is an optimal flow of the full network; this one keeps needs whole
//! where it can, and puts extra seats beside the same need's firm seats,
//! because those are the rules the search would otherwise have to branch on.

/// `needs[k] = (firm seats, extra seats)` of the k-th need; `firm[c]` and
/// `extra[c]` the seats the shared node sends to column c. Returns
/// `rows[k][c] = (firm, extra)` with every column's totals kept and no need
/// given more seats of either kind than it has.
///
/// Requires Σ firm ≤ Σ need firm seats and Σ extra ≤ Σ need extra seats.
pub fn share_out(needs: &[(i64, i64)], firm: &[i64], extra: &[i64]) -> Vec<Vec<(i64, i64)>> {
    let columns = firm.len();
    let mut rows = vec![vec![(0i64, 0i64); columns]; needs.len()];
    let mut order: Vec<usize> = (0..needs.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(needs[k].0));

    // Firm seats: each need, largest first, whole into the column that
    // fits it most tightly; where none fits it whole, into the fullest.
    let mut room = firm.to_vec();
    for &k in &order {
        let mut left = needs[k].0;
        while left > 0 {
            let tightest = (0..columns).filter(|&c| room[c] >= left).min_by_key(|&c| room[c]);
            let Some(c) = tightest.or_else(|| (0..columns).filter(|&c| room[c] > 0).max_by_key(|&c| room[c])) else {
                break;
            };
            let seats = left.min(room[c]);
            rows[k][c].0 += seats;
            room[c] -= seats;
            left -= seats;
        }
    }

    // Extra seats: first to needs with firm seats in the column, then, only
    // if those have no room left, to any need with extra seats to spare.
    let mut spare: Vec<i64> = needs.iter().map(|&(_, extras)| extras).collect();
    for (c, &wanted) in extra.iter().enumerate() {
        let mut left = wanted;
        for beside_firm in [true, false] {
            for &k in &order {
                if left == 0 {
                    break;
                }
                if (rows[k][c].0 > 0) != beside_firm || spare[k] == 0 {
                    continue;
                }
                let seats = left.min(spare[k]);
                rows[k][c].1 += seats;
                spare[k] -= seats;
                left -= seats;
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::share_out;
    use proptest::prelude::*;

    #[test]
    fn keeps_needs_whole_where_the_columns_allow() {
        // 5 + 3 into columns of 3 and 5: each need whole in one column.
        let rows = share_out(&[(3, 0), (5, 0)], &[3, 5], &[0, 0]);
        assert_eq!(rows, vec![vec![(3, 0), (0, 0)], vec![(0, 0), (5, 0)]]);
    }

    #[test]
    fn puts_extra_seats_beside_firm_seats() {
        // Need 0 is in column 1 only, so column 1's extra seat is its.
        let rows = share_out(&[(4, 1), (2, 1)], &[2, 4], &[0, 1]);
        assert_eq!(rows[0][1], (4, 1));
        assert_eq!(rows[1][1], (0, 0));
    }

    proptest! {
        #[test]
        fn keeps_every_total_and_every_limit(
            needs in prop::collection::vec((1i64..12, 0i64..4), 1..12),
            weights in prop::collection::vec(0u32..5, 1..5),
            firm_taken in 0.0f64..=1.0,
            extra_taken in 0.0f64..=1.0,
        ) {
            // Spread a share of the needs' seats over the columns by weight.
            let spread = |total: i64| -> Vec<i64> {
                let sum: u32 = weights.iter().sum::<u32>().max(1);
                let mut parts: Vec<i64> = weights.iter().map(|&w| total * i64::from(w) / i64::from(sum)).collect();
                let placed: i64 = parts.iter().sum();
                if weights.iter().any(|&w| w > 0) {
                    let first = weights.iter().position(|&w| w > 0).expect("a weighted column");
                    parts[first] += total - placed;
                }
                parts
            };
            let firm_total: i64 = needs.iter().map(|n| n.0).sum();
            let extra_total: i64 = needs.iter().map(|n| n.1).sum();
            let firm = spread((firm_total as f64 * firm_taken) as i64);
            let extra = spread((extra_total as f64 * extra_taken) as i64);
            let rows = share_out(&needs, &firm, &extra);
            for c in 0..firm.len() {
                prop_assert_eq!(rows.iter().map(|r| r[c].0).sum::<i64>(), firm[c]);
                prop_assert_eq!(rows.iter().map(|r| r[c].1).sum::<i64>(), extra[c]);
            }
            for (row, need) in rows.iter().zip(&needs) {
                prop_assert!(row.iter().map(|x| x.0).sum::<i64>() <= need.0);
                prop_assert!(row.iter().map(|x| x.1).sum::<i64>() <= need.1);
                prop_assert!(row.iter().all(|&(f, x)| f >= 0 && x >= 0));
            }
        }
    }
}
