//! Entry points: `TopicName::new`, `TopicFilter::new` / `new_v5`, `shared` and
//! `topic::matches` on arbitrary strings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use midge_proto::{TopicFilter, TopicName, topic};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let (a, b) = s.split_at(s.char_indices().nth(s.chars().count() / 2).map_or(0, |(i, _)| i));
    let name = TopicName::new(a);
    let filter = TopicFilter::new(b);
    if let Ok(f) = TopicFilter::new_v5(b) {
        assert!(filter.is_ok());
        if let Some(shared) = f.shared() {
            assert!(!shared.group.is_empty() && !shared.filter.is_empty());
            assert!(TopicFilter::new(shared.filter).is_ok());
        }
    }
    if let (Ok(name), Ok(filter)) = (name, filter) {
        let m = filter.matches(&name);
        assert_eq!(m, topic::matches(&filter, &name));
        if !filter.has_wildcards() {
            assert_eq!(m, filter.as_str() == name.as_str());
        }
        if filter.as_str() == "#" {
            assert_eq!(m, !name.is_system());
        }
    }
});
