//! Turns a group's seats, as the flow gives them for all of its cohorts
//! together, into seats per cohort: whole needs where they fit (what the
//! tie-breaks look for), or needs spread with a firm seat beside every extra
//! seat. The search uses the result as the plan at a leaf; when these
//! searches find nothing, it looks at the group's cohorts one by one
//! instead, so it stays exact whatever they miss.

/// Assigns each item, given by its size, to one of `bins` bins so that every
/// bin's total lies within `minimum..=maximum`. Returns the bin of each item,
/// or `None` when no such assignment turned up within `step_limit` steps.
///
/// Depth first, largest items first, each into the emptiest bin first (so
/// the first leaf is a balanced packing); bins with equal loads are alike,
/// so only one of them is tried.
pub fn pack(sizes: &[i64], bins: usize, minimum: i64, maximum: i64, step_limit: u32) -> Option<Vec<usize>> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    let mut state = Packing {
        sizes,
        order,
        minimum,
        maximum,
        loads: vec![0; bins],
        bin_of: vec![0; sizes.len()],
        steps_left: step_limit,
    };
    let remaining: i64 = sizes.iter().sum();
    if bins == 0 || remaining < minimum * bins as i64 || remaining > maximum * bins as i64 {
        return None;
    }
    state.place(0, remaining).then_some(state.bin_of)
}

/// Places the seats of needs, `items[i] = (firm, extra)`, into `bins`
/// cohorts of `minimum..=maximum` seats, splitting needs where they do not
/// fit whole: a need with f firm seats into at most f pieces, each with a
/// firm seat, so that its extra seats always sit beside one. Returns
/// `rows[i][bin] = (firm, extra)`, or `None` when this greedy way finds none.
///
/// Cohort sizes are made as equal as possible; the needs that cannot be split
/// (one firm seat and some extra seats) go first, then the largest, each
/// whole into the cohort it fills most tightly, or else over the cohorts
/// with the most room.
pub fn spread(items: &[(i64, i64)], bins: usize, minimum: i64, maximum: i64) -> Option<Vec<Vec<(i64, i64)>>> {
    let total: i64 = items.iter().map(|&(f, x)| f + x).sum();
    let count = bins as i64;
    if bins == 0 || total < minimum * count || total > maximum * count {
        return None;
    }
    let mut room: Vec<i64> = (0..count).map(|b| total / count + i64::from(b < total % count)).collect();
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| (items[i].0 > 1 || items[i].1 == 0, std::cmp::Reverse(items[i].0 + items[i].1)));
    let mut rows = vec![vec![(0i64, 0i64); bins]; items.len()];
    for i in order {
        let (firm, extra) = items[i];
        let size = firm + extra;
        if let Some(bin) = (0..bins).filter(|&b| room[b] >= size).min_by_key(|&b| room[b]) {
            rows[i][bin] = (firm, extra);
            room[bin] -= size;
            continue;
        }
        let mut by_room: Vec<usize> = (0..bins).filter(|&b| room[b] > 0).collect();
        by_room.sort_by_key(|&b| std::cmp::Reverse(room[b]));
        let mut pieces: Vec<(usize, i64)> = Vec::new();
        let mut left = size;
        for bin in by_room {
            if left == 0 {
                break;
            }
            let take = left.min(room[bin]);
            pieces.push((bin, take));
            left -= take;
        }
        if left > 0 || pieces.len() as i64 > firm {
            return None;
        }
        // One firm seat in each piece, then the other firm seats, then the extras.
        let mut firm_left = firm - pieces.len() as i64;
        let mut extra_left = extra;
        for (bin, take) in pieces {
            let more_firm = (take - 1).min(firm_left);
            firm_left -= more_firm;
            let extras = take - 1 - more_firm;
            extra_left -= extras;
            rows[i][bin] = (1 + more_firm, extras);
            room[bin] -= take;
        }
        debug_assert_eq!((firm_left, extra_left), (0, 0));
    }
    Some(rows)
}

struct Packing<'a> {
    sizes: &'a [i64],
    order: Vec<usize>,
    minimum: i64,
    maximum: i64,
    loads: Vec<i64>,
    bin_of: Vec<usize>,
    steps_left: u32,
}

impl Packing<'_> {
    /// Places the items from `position` on; `remaining` is their total size.
    fn place(&mut self, position: usize, remaining: i64) -> bool {
        let Some(&item) = self.order.get(position) else {
            return self.loads.iter().all(|&load| load >= self.minimum);
        };
        if self.steps_left == 0 {
            return false;
        }
        self.steps_left -= 1;
        let deficit: i64 = self.loads.iter().map(|&load| (self.minimum - load).max(0)).sum();
        if deficit > remaining {
            return false;
        }
        let size = self.sizes[item];
        let mut bins: Vec<usize> = (0..self.loads.len()).collect();
        bins.sort_by_key(|&b| self.loads[b]);
        let mut tried: Vec<i64> = Vec::new();
        for bin in bins {
            let load = self.loads[bin];
            if load + size > self.maximum || tried.contains(&load) {
                continue;
            }
            tried.push(load);
            self.loads[bin] += size;
            self.bin_of[item] = bin;
            if self.place(position + 1, remaining - size) {
                return true;
            }
            self.loads[bin] -= size;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::pack;

    fn check(sizes: &[i64], bins: usize, minimum: i64, maximum: i64, found: &[usize]) {
        let mut loads = vec![0; bins];
        for (size, &bin) in sizes.iter().zip(found) {
            loads[bin] += size;
        }
        assert!(loads.iter().all(|&l| (minimum..=maximum).contains(&l)), "loads {loads:?}");
    }

    #[test]
    fn packs_when_a_packing_exists() {
        let sizes = [7, 7, 6, 5, 4, 3, 3, 2, 1];
        let found = pack(&sizes, 3, 10, 14, 1000).expect("38 seats fit three cohorts of 10..14");
        check(&sizes, 3, 10, 14, &found);
    }

    #[test]
    fn backtracks_when_the_balanced_first_try_fails() {
        // Emptiest first gives 3+2+2 | 3+2+2 and a last 2 that fits nowhere;
        // only 3+3+2 | 2+2+2+2 fills two cohorts of exactly 8.
        let sizes = [3, 3, 2, 2, 2, 2, 2];
        let found = pack(&sizes, 2, 8, 8, 1000).expect("3+3+2 and 2+2+2+2");
        check(&sizes, 2, 8, 8, &found);
        assert_eq!(found[0], found[1], "the two threes share a cohort");
    }

    #[test]
    fn spreads_needs_over_cohorts_with_a_firm_seat_beside_every_extra_seat() {
        // Cohorts of exactly 4: the 6 + 2 need must be split, the 1 + 1 not.
        let items = [(6, 2), (1, 1), (2, 0)];
        let rows = super::spread(&items, 3, 4, 4).expect("12 seats in three cohorts of 4");
        for bin in 0..3 {
            assert_eq!(rows.iter().map(|r| r[bin].0 + r[bin].1).sum::<i64>(), 4);
        }
        for (row, &(firm, extra)) in rows.iter().zip(&items) {
            assert_eq!(row.iter().map(|p| p.0).sum::<i64>(), firm);
            assert_eq!(row.iter().map(|p| p.1).sum::<i64>(), extra);
            assert!(row.iter().all(|&(f, x)| x == 0 || f > 0), "extra seats alone: {row:?}");
        }
        assert_eq!(rows[1].iter().filter(|p| **p != (0, 0)).count(), 1, "one firm seat cannot be split");
        // One firm seat with three extra seats fits no cohort of 2.
        assert_eq!(super::spread(&[(1, 3)], 2, 2, 2), None);
    }

    #[test]
    fn says_none_when_whole_items_cannot_fit() {
        // 16 seats in two cohorts of exactly 8 need 5+3 and 8: there is no 3.
        assert_eq!(pack(&[5, 5, 6], 2, 8, 8, 1000), None);
        // Too few seats for the minimum, and too many for the maximum.
        assert_eq!(pack(&[3, 3], 1, 8, 10, 1000), None);
        assert_eq!(pack(&[9, 9], 1, 8, 10, 1000), None);
        assert_eq!(pack(&[1], 0, 1, 10, 1000), None);
    }
}
