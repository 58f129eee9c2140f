//! The flows the API shows: the pipeline's latest snapshot of its flow table, plus a bounded list of
//! flows that left it recently (expired or closed), so short-lived connections stay visible for a
//! while after they end.

use std::collections::{HashMap, VecDeque};

use crate::model::{FlowKey, FlowView};

/// A flow as listed, with whether it is still in the pipeline's table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedFlow {
    pub view: FlowView,
    pub active: bool,
}

#[derive(Debug)]
pub struct FlowList {
    max_active: usize,
    max_recent: usize,
    active: HashMap<FlowKey, FlowView>,
    /// Most recently expired first.
    recent: VecDeque<FlowView>,
}

impl FlowList {
    /// At most `max_active` current and `max_recent` expired flows are kept.
    #[must_use]
    pub fn new(max_active: usize, max_recent: usize) -> Self {
        Self {
            max_active,
            max_recent,
            active: HashMap::new(),
            recent: VecDeque::new(),
        }
    }

    /// Replaces the current flows with `snapshot`; flows missing from it move to the recent list.
    /// Returns how many flows of the snapshot were left out to stay within bounds.
    pub fn replace(&mut self, snapshot: Vec<FlowView>) -> usize {
        let offered = snapshot.len();
        let mut next: HashMap<FlowKey, FlowView> =
            HashMap::with_capacity(offered.min(self.max_active));
        let mut snapshot = snapshot;
        // Keep the busiest-recent flows if the snapshot is over the bound.
        snapshot.sort_by_key(|view| std::cmp::Reverse(view.last_seen));
        for view in snapshot.into_iter().take(self.max_active) {
            next.insert(view.key, view);
        }
        let mut gone: Vec<FlowView> = self
            .active
            .drain()
            .filter(|(key, _)| !next.contains_key(key))
            .map(|(_, view)| view)
            .collect();
        gone.sort_by_key(|view| view.last_seen);
        for view in gone {
            self.recent.retain(|old| old.key != view.key);
            self.recent.push_front(view);
        }
        self.recent.retain(|old| !next.contains_key(&old.key));
        self.recent.truncate(self.max_recent);
        self.active = next;
        offered - self.active.len()
    }

    #[must_use]
    pub fn active_len(&self) -> usize {
        self.active.len()
    }

    /// Current flows (most recently seen first), then recently expired ones.
    #[must_use]
    pub fn list(&self) -> Vec<ListedFlow> {
        let mut active: Vec<&FlowView> = self.active.values().collect();
        active.sort_by(|a, b| {
            b.last_seen
                .cmp(&a.last_seen)
                .then_with(|| a.key.cmp(&b.key))
        });
        active
            .into_iter()
            .map(|view| ListedFlow {
                view: view.clone(),
                active: true,
            })
            .chain(self.recent.iter().map(|view| ListedFlow {
                view: view.clone(),
                active: false,
            }))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        model::Protocol,
        sinks::findings::tests::{at, flow},
    };

    fn seen(src: &str, secs: u64) -> FlowView {
        let mut view = flow(src, "10.0.0.9:80", Protocol::Http);
        view.last_seen = at(secs);
        view
    }

    #[test]
    fn expired_flows_stay_listed_for_a_while() {
        let mut list = FlowList::new(10, 2);
        assert_eq!(
            list.replace(vec![
                seen("10.0.0.1:1", 1),
                seen("10.0.0.2:1", 2),
                seen("10.0.0.3:1", 3)
            ]),
            0
        );
        assert_eq!(list.active_len(), 3);
        list.replace(vec![seen("10.0.0.3:1", 4)]);
        let listed: Vec<(String, bool)> = list
            .list()
            .into_iter()
            .map(|f| (f.view.key.src.to_string(), f.active))
            .collect();
        assert_eq!(
            listed,
            [
                ("10.0.0.3:1".to_owned(), true),
                ("10.0.0.2:1".to_owned(), false),
                ("10.0.0.1:1".to_owned(), false)
            ]
        );
        // The recent list is bounded, newest kept; a flow that comes back is active only once.
        list.replace(vec![seen("10.0.0.1:1", 5)]);
        let listed: Vec<(String, bool)> = list
            .list()
            .into_iter()
            .map(|f| (f.view.key.src.to_string(), f.active))
            .collect();
        assert_eq!(
            listed,
            [
                ("10.0.0.1:1".to_owned(), true),
                ("10.0.0.3:1".to_owned(), false),
                ("10.0.0.2:1".to_owned(), false)
            ]
        );
    }

    #[test]
    fn oversized_snapshots_keep_the_most_recent() {
        let mut list = FlowList::new(2, 0);
        let left_out = list.replace((1..=5).map(|i| seen(&format!("10.0.0.{i}:1"), i)).collect());
        assert_eq!(left_out, 3);
        let listed: Vec<String> = list
            .list()
            .into_iter()
            .map(|f| f.view.key.src.to_string())
            .collect();
        assert_eq!(listed, ["10.0.0.5:1", "10.0.0.4:1"]);
    }
}
