//! The bench's own shape, read from its source: no import circle among its modules, and the
//! shared modules use no group's module (a group is one module and one line in main's list).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

/// Each module of src/ (main.rs aside) and the other modules it names as `crate::NAME`.
fn imports(src: &Path) -> BTreeMap<String, Vec<String>> {
    let modules: BTreeMap<String, String> = std::fs::read_dir(src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .filter(|(name, _)| name != "main")
        .collect();
    modules
        .iter()
        .map(|(name, text)| {
            let used = uses(text)
                .into_iter()
                .filter(|u| u != name && modules.contains_key(u))
                .collect();
            (name.clone(), used)
        })
        .collect()
}

/// The NAMEs of every `crate::NAME` and `crate::{NAME, ...}` in `text`.
fn uses(text: &str) -> Vec<String> {
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for part in text.split("crate::").skip(1) {
        if let Some(list) = part.strip_prefix('{') {
            let list = list.split('}').next().unwrap();
            out.extend(list.split(',').map(|m| word(m.trim())));
        } else {
            out.push(word(part));
        }
    }
    out.retain(|m| !m.is_empty());
    out.sort();
    out.dedup();
    out
}

/// A module reached again while still on the path from the start: the circle, if any.
fn circle(graph: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    fn visit(
        graph: &BTreeMap<String, Vec<String>>,
        at: &str,
        path: &mut Vec<String>,
        done: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|m| m == at) {
            let mut found = path[i..].to_vec();
            found.push(at.to_string());
            return Some(found);
        }
        if done.iter().any(|m| m == at) {
            return None;
        }
        path.push(at.to_string());
        for next in graph.get(at).into_iter().flatten() {
            if let Some(c) = visit(graph, next, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.push(at.to_string());
        None
    }
    let mut done = Vec::new();
    graph
        .keys()
        .find_map(|m| visit(graph, m, &mut Vec::new(), &mut done))
}

fn src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_modules_import_each_other_in_no_circle() {
    let graph = imports(&src());
    // The reader sees the imports it found, so a module it misses shows here.
    assert!(graph["cpu"].contains(&"row".to_string()), "{graph:?}");
    assert!(graph["row"].contains(&"stats".to_string()), "{graph:?}");
    assert_eq!(circle(&graph), None, "{graph:?}");
}

#[test]
fn a_circle_is_found_where_there_is_one() {
    let graph: BTreeMap<String, Vec<String>> = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]
        .into_iter()
        .map(|(m, n)| (m.to_string(), vec![n.to_string()]))
        .collect();
    assert_eq!(
        circle(&graph),
        Some(["a", "b", "c", "a"].map(String::from).to_vec())
    );
    assert_eq!(
        uses("use crate::{a, b::C};\nlet x = crate::c::f();"),
        ["a", "b", "c"]
    );
}

#[test]
fn the_shared_modules_use_no_group() {
    let graph = imports(&src());
    // A group is a module with an `impl Group for`; main lists each once.
    let main = std::fs::read_to_string(src().join("main.rs")).unwrap();
    let groups: Vec<&String> = graph
        .keys()
        .filter(|m| {
            let text = std::fs::read_to_string(src().join(format!("{m}.rs"))).unwrap();
            text.contains("impl Group for")
        })
        .collect();
    assert!(groups.len() >= 6, "{groups:?}");
    for g in &groups {
        assert!(main.contains(&format!("mod {g};")), "{g} not in main");
        assert_eq!(
            main.matches(&format!("&{g}::")).count(),
            1,
            "{g} listed once"
        );
    }
    // Shared: every module no group is, and that a group uses (work.rs is cpu's own).
    for (module, used) in &graph {
        let shared = !groups.contains(&module)
            && groups
                .iter()
                .filter(|g| graph[**g].contains(module))
                .count()
                > 1;
        if shared {
            let bad: Vec<&String> = used.iter().filter(|u| groups.contains(u)).collect();
            assert!(bad.is_empty(), "{module} uses the group(s) {bad:?}");
        }
    }
}
