//! Turns one course's needs into the independent pieces the search solves.
//!
//! A *group* is where cohorts can form: one term, and either the pool that
//! every pooling need may join, or one organisation's own cohorts (only for
//! an organisation with a `pooling = false` need; all its needs may go
//! there). A group has as many cohort *slots* as its seats could ever fill
//! to the minimum. Needs that can meet in a group belong to one component;
//! components never share a cohort, so each is solved on its own and their
//! best plans add up to the best plan (the objective is a sum, and the
//! lexicographic order is kept under addition).

use std::collections::BTreeMap;

use super::model::{CourseProblem, CourseTerms};
use crate::ids::OrganisationId;
use crate::registry::term::Term;

#[derive(Debug, Clone)]
pub struct Group {
    /// Terms after the first plannable term.
    pub term_offset: i32,
    /// At most this many cohorts can form here.
    pub slots: usize,
}

#[derive(Debug, Clone)]
pub struct InstanceNeed {
    /// Index into `CourseProblem::needs`.
    pub index: usize,
    pub seats: i64,
    pub extras: i64,
    /// Groups (indices into `Instance::groups`) this need may take part in.
    pub groups: Vec<usize>,
}

/// One component: needs that may share cohorts, and the groups they meet in.
#[derive(Debug, Clone)]
pub struct Instance {
    pub course: CourseTerms,
    pub needs: Vec<InstanceNeed>,
    pub groups: Vec<Group>,
}

impl Instance {
    pub fn max_term_offset(&self) -> i32 {
        self.groups.iter().map(|g| g.term_offset).max().unwrap_or(0)
    }
}

/// Splits a course's needs into components. Needs with no group at all
/// (no plannable term, or too few seats anywhere to reach the minimum) are
/// in no component.
pub fn components(problem: &CourseProblem, first_term: Term) -> Vec<Instance> {
    let course = problem.course;
    let minimum = i64::from(course.min_participants.max(1));
    let private_orgs: Vec<OrganisationId> =
        problem.needs.iter().filter(|n| !n.pooling).map(|n| n.organisation_id).collect();

    // Which needs may take part in which group.
    let mut members: BTreeMap<(i32, Option<OrganisationId>), Vec<usize>> = BTreeMap::new();
    for (index, need) in problem.needs.iter().enumerate() {
        let earliest = need.earliest.max(first_term);
        for term in Term::range(earliest, need.latest) {
            let offset = term.ordinal() - first_term.ordinal();
            if need.pooling {
                members.entry((offset, None)).or_default().push(index);
            }
            if private_orgs.contains(&need.organisation_id) {
                members.entry((offset, Some(need.organisation_id))).or_default().push(index);
            }
        }
    }

    let mut groups = Vec::new();
    let mut group_members = Vec::new();
    // A group keyed `(term, Some(org))` holds that organisation's own cohorts.
    for ((term_offset, _), indices) in members {
        let seats: i64 = indices.iter().map(|&i| i64::from(problem.needs[i].seats)).sum();
        let with_extras: i64 =
            indices.iter().map(|&i| i64::from(problem.needs[i].seats + problem.needs[i].extra_seats)).sum();
        // Every cohort needs `minimum` seats and at least one firm seat.
        let slots = (with_extras / minimum).min(seats);
        if slots > 0 {
            groups.push(Group { term_offset, slots: slots as usize });
            group_members.push(indices);
        }
    }

    // Union-find over needs through shared groups.
    let mut parent: Vec<usize> = (0..problem.needs.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for indices in &group_members {
        for pair in indices.windows(2) {
            let (a, b) = (root(&mut parent, pair[0]), root(&mut parent, pair[1]));
            parent[a] = b;
        }
    }

    let mut by_root: BTreeMap<usize, Instance> = BTreeMap::new();
    let mut local_group: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (group_index, indices) in group_members.iter().enumerate() {
        let r = root(&mut parent, indices[0]);
        let instance = by_root.entry(r).or_insert_with(|| Instance { course, needs: Vec::new(), groups: Vec::new() });
        local_group.insert((r, group_index), instance.groups.len());
        instance.groups.push(groups[group_index].clone());
    }
    let mut local_need: BTreeMap<usize, usize> = BTreeMap::new();
    for (group_index, indices) in group_members.iter().enumerate() {
        for &need_index in indices {
            let r = root(&mut parent, need_index);
            let instance = by_root.get_mut(&r).expect("component exists");
            let position = *local_need.entry(need_index).or_insert_with(|| {
                let need = &problem.needs[need_index];
                instance.needs.push(InstanceNeed {
                    index: need_index,
                    seats: i64::from(need.seats),
                    extras: i64::from(need.extra_seats),
                    groups: Vec::new(),
                });
                instance.needs.len() - 1
            });
            instance.needs[position].groups.push(local_group[&(r, group_index)]);
        }
    }
    by_root.into_values().collect()
}
