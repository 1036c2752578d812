//! The book builds with mdBook without an error or a warning, every include resolves, every
//! link and image points at a page, file or anchor that exists, and every page renders in
//! headless Chromium with its code blocks. Without mdbook or chromium the test says it
//! skipped and why (`scripts/book.sh` and `.ci/run` install them).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use testkit::twin::skip;
use testkit::{Outcome, command_within};

const BUILD_LIMIT: Duration = Duration::from_secs(300);
const PAGE_LIMIT: Duration = Duration::from_secs(60);

fn book_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn mdbook() -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("mdbook")];
    if let Some(home) = std::env::var_os("CARGO_HOME")
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo").into_os_string()))
    {
        candidates.push(Path::new(&home).join("bin").join("mdbook"));
    }
    candidates.into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success() && o.stdout.starts_with(b"mdbook v0.5"))
    })
}

/// The site, built once for every test here into a directory of the test's own, with what
/// mdbook printed; `None` (after saying why) where mdBook 0.5 is not installed.
fn site() -> Option<&'static (PathBuf, Outcome)> {
    static SITE: OnceLock<Option<(PathBuf, Outcome)>> = OnceLock::new();
    SITE.get_or_init(|| {
        let mdbook = mdbook()?;
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("book-site");
        let _ = fs::remove_dir_all(&out);
        let mut cmd = Command::new(mdbook);
        cmd.arg("build").arg(book_dir()).arg("--dest-dir").arg(&out);
        let outcome = command_within(cmd, BUILD_LIMIT);
        Some((out, outcome))
    })
    .as_ref()
}

fn skip_without_mdbook(test: &str) -> Option<&'static (PathBuf, Outcome)> {
    let site = site();
    if site.is_none() {
        skip(
            test,
            "mdbook 0.5 is not installed (scripts/book.sh installs it)",
        );
    }
    site
}

/// The pages SUMMARY.md names, as paths relative to `src/` (`fork-demo.md`).
fn pages() -> Vec<String> {
    let summary = fs::read_to_string(book_dir().join("src/SUMMARY.md")).expect("SUMMARY.md");
    summary
        .lines()
        .filter_map(|l| {
            let start = l.find("](")? + 2;
            let end = start + l[start..].find(')')?;
            Some(l[start..end].to_string())
        })
        .collect()
}

#[test]
fn the_book_builds_without_errors_or_warnings() {
    let Some((out, built)) = skip_without_mdbook("the_book_builds_without_errors_or_warnings")
    else {
        return;
    };
    assert_eq!(built.code, Some(0), "mdbook build failed: {built:?}");
    let complaints: Vec<&str> = built
        .stderr
        .lines()
        .chain(built.stdout.lines())
        .filter(|l| l.contains("ERROR") || l.contains("WARN"))
        .collect();
    assert!(complaints.is_empty(), "mdbook complained: {complaints:#?}");
    for page in pages() {
        let html = out.join(page.replace(".md", ".html"));
        let text = fs::read_to_string(&html)
            .unwrap_or_else(|e| panic!("{} was not built: {e}", html.display()));
        assert!(
            !text.contains("{{#"),
            "{page} holds an mdBook directive that did not resolve"
        );
    }
}

#[test]
fn every_link_image_and_anchor_resolves() {
    let Some((out, built)) = skip_without_mdbook("every_link_image_and_anchor_resolves") else {
        return;
    };
    assert_eq!(built.code, Some(0), "mdbook build failed: {built:?}");
    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let mut broken = Vec::new();
    for page in pages() {
        let html = out.join(page.replace(".md", ".html"));
        let text = fs::read_to_string(&html).expect("built above");
        for target in attribute_values(&text, "href")
            .into_iter()
            .chain(attribute_values(&text, "src"))
        {
            if target.contains("://") || target.starts_with("mailto:") || target.is_empty() {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let file = if file.is_empty() {
                html.clone()
            } else {
                html.parent().expect("a page is in a directory").join(file)
            };
            if !file.exists() {
                broken.push(format!("{page}: {target} (no such file)"));
                continue;
            }
            if !anchor.is_empty() && file.extension().is_some_and(|e| e == "html") {
                let known = ids.entry(file.clone()).or_insert_with(|| {
                    attribute_values(&fs::read_to_string(&file).expect("exists"), "id")
                        .into_iter()
                        .collect()
                });
                if !known.contains(anchor) {
                    broken.push(format!("{page}: {target} (no such anchor)"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links or images: {broken:#?}");
}

/// mdBook says nothing when an include names an anchor the file does not have: it shows an
/// empty block. So every `{{#include FILE:NAME}}` is checked here against its file.
#[test]
fn every_include_names_a_file_and_anchor_that_exist() {
    let src = book_dir().join("src");
    let mut broken = Vec::new();
    for page in pages() {
        let text = fs::read_to_string(src.join(&page)).expect("a page SUMMARY.md names");
        for (at, _) in text.match_indices("{{#include ") {
            let rest = &text[at + "{{#include ".len()..];
            let target = rest[..rest.find("}}").expect("a closed directive")].trim();
            let (file, anchor) = match target.rsplit_once(':') {
                Some((f, a)) if !a.chars().all(|c| c.is_ascii_digit()) => (f, Some(a)),
                _ => (target.split(':').next().expect("a path"), None),
            };
            let path = src.join(&page).parent().expect("in src").join(file);
            let Ok(body) = fs::read_to_string(&path) else {
                broken.push(format!("{page}: {file} does not exist"));
                continue;
            };
            if let Some(anchor) = anchor {
                let start = format!("ANCHOR: {anchor}");
                let end = format!("ANCHOR_END: {anchor}");
                if !body.contains(&start) || !body.contains(&end) {
                    broken.push(format!("{page}: {file} has no anchor {anchor}"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "includes that show nothing: {broken:#?}");
}

/// Every value of `name="..."` in `html`.
fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let start = at + needle.len();
            let end = start + html[start..].find('"')?;
            Some(html[start..end].replace("&amp;", "&"))
        })
        .collect()
}

#[test]
fn every_page_renders_in_chromium_with_its_code() {
    let test = "every_page_renders_in_chromium_with_its_code";
    let Some((out, built)) = skip_without_mdbook(test) else {
        return;
    };
    assert_eq!(built.code, Some(0), "mdbook build failed: {built:?}");
    let Some(chromium) = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        skip(test, "chromium is not installed (apt-get install chromium)");
        return;
    };
    let base = serve(out.clone());
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp is inside target/")
        .join("book-check");
    fs::create_dir_all(&shots).expect("target/book-check can be made");
    let profile = Path::new(env!("CARGO_TARGET_TMPDIR")).join("chromium-profile");
    let browse = |extra: &[String], url: &str| {
        let mut cmd = Command::new(chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url);
        command_within(cmd, PAGE_LIMIT)
    };
    let mut failures = Vec::new();
    for page in pages() {
        let url = format!("{base}/{}", page.replace(".md", ".html"));
        let dom = browse(&["--dump-dom".into()], &url);
        let source = fs::read_to_string(book_dir().join("src").join(&page)).expect("a page");
        if dom.code != Some(0) || !dom.stdout.contains("<main") {
            failures.push(format!("{page}: did not render: {:?}", dom.code));
            continue;
        }
        if includes_code(&source) && !dom.stdout.contains("<pre") {
            failures.push(format!("{page}: includes code but shows no code block"));
        }
        if dom.stdout.contains("{{#") {
            failures.push(format!("{page}: shows an unresolved include"));
        }
        for image in attribute_values(&dom.stdout, "src") {
            if image.contains("://") || image.ends_with(".js") {
                continue;
            }
            let file = out.join(&page).parent().expect("in src").join(&image);
            if !file.is_file() {
                failures.push(format!("{page}: broken image {image}"));
            }
        }
    }
    for (page, name) in [
        ("introduction.html", "introduction.png"),
        ("deadlock.html", "chapter.png"),
    ] {
        let shot = shots.join(name);
        let _ = fs::remove_file(&shot);
        let taken = browse(
            &[
                format!("--screenshot={}", shot.display()),
                "--window-size=1280,900".into(),
                "--hide-scrollbars".into(),
            ],
            &format!("{base}/{page}"),
        );
        if taken.code != Some(0) || !shot.is_file() {
            failures.push(format!("no screenshot of {page}: {taken:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "pages that fail in Chromium: {failures:#?}"
    );
}

/// Serves the files under `root` on 127.0.0.1 (a port the OS chooses) for the rest of the
/// test run, and returns the base URL. One request per connection, with a read deadline.
fn serve(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut reader = BufReader::new(&stream);
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    return;
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/");
                let path = path.split(['?', '#']).next().unwrap_or("/");
                let mut file = root.join(path.trim_start_matches('/'));
                if file.is_dir() {
                    file = file.join("index.html");
                }
                let safe = !path.contains("..");
                let (status, body) = match fs::read(&file) {
                    Ok(body) if safe => ("200 OK", body),
                    _ => ("404 Not Found", b"not found".to_vec()),
                };
                let kind = match file.extension().and_then(|e| e.to_str()) {
                    Some("html") => "text/html; charset=utf-8",
                    Some("css") => "text/css",
                    Some("js") => "application/javascript",
                    Some("svg") => "image/svg+xml",
                    Some("png") => "image/png",
                    Some("woff2") => "font/woff2",
                    _ => "application/octet-stream",
                };
                let mut stream = &stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            });
        }
    });
    base
}

/// True when an `{{#include}}` sits inside a fenced code block (a page can also include
/// Markdown, such as the bench's report).
fn includes_code(source: &str) -> bool {
    let mut in_fence = false;
    for line in source.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if in_fence && line.contains("{{#include") {
            return true;
        }
    }
    false
}
