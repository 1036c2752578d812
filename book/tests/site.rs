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

/// An empty directory `NAME-PID` under the test's temporary directory, this process's own: two
/// runs of these tests at once (two people in one tree) must not share a site or a Chromium
/// profile, which Chromium refuses to open twice (exit code 21). Those left by runs that have
/// ended are removed.
fn own_dir(name: &str) -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    for entry in fs::read_dir(tmp).into_iter().flatten().flatten() {
        let file = entry.file_name();
        let Some(pid) = file
            .to_str()
            .and_then(|f| f.strip_prefix(name))
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
    let dir = tmp.join(format!("{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("the test's temporary directory is writable");
    dir
}

/// The site, built once for every test here into a directory of the test's own, with what
/// mdbook printed; `None` (after saying why) where mdBook 0.5 is not installed.
fn site() -> Option<&'static (PathBuf, Outcome)> {
    static SITE: OnceLock<Option<(PathBuf, Outcome)>> = OnceLock::new();
    SITE.get_or_init(|| {
        let mdbook = mdbook()?;
        let out = own_dir("book-site");
        let mut cmd = Command::new(mdbook);
        cmd.arg("build").arg(book_dir()).arg("--dest-dir").arg(&out);
        // The preprocessor that book.toml runs with `cargo run`, already built for this test.
        cmd.env(
            "MDBOOK_PREPROCESSOR__TWINS__COMMAND",
            env!("CARGO_BIN_EXE_book-twins"),
        );
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
    let Some(chromium) = chromium() else {
        skip(test, "chromium is not installed (apt-get install chromium)");
        return;
    };
    let base = serve(out.clone());
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp is inside target/")
        .join("book-check");
    fs::create_dir_all(&shots).expect("target/book-check can be made");
    let profile = own_dir("chromium-profile");
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

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// The hosts a key API may link to: the documentation of Python, of Rust's standard library
/// and of crates, and for the libraries that are not part of either (Redis's commands,
/// redis-py, aiohttp) their own documentation.
const DOC_HOSTS: [&str; 6] = [
    "docs.python.org",
    "doc.rust-lang.org",
    "docs.rs",
    "redis.io",
    "redis.readthedocs.io",
    "docs.aiohttp.org",
];

/// Each link `<a href="URL"><code>NAME</code></a>` on a built page, as (NAME, URL).
fn code_links(html: &str) -> Vec<(String, String)> {
    let mut links = Vec::new();
    for (at, _) in html.match_indices("<a href=\"") {
        let rest = &html[at + "<a href=\"".len()..];
        let Some(end) = rest.find('"') else { continue };
        let url = rest[..end].replace("&amp;", "&");
        let Some(body) = rest[end..].strip_prefix("\"><code>") else {
            continue;
        };
        let Some(close) = body.find("</code></a>") else {
            continue;
        };
        let name = body[..close]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        links.push((name, url));
    }
    links
}

/// Why `url` is not a well-formed link to the documentation of `name`, if it is not: https, a
/// known documentation host, a path, no blank, and the item's own name in it (the last name of
/// `nix::sys::wait::waitpid`, any of `tokio::sync::{mpsc, oneshot}`).
fn bad_doc_link(name: &str, url: &str) -> Option<String> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Some(format!("{name}: {url} is not https"));
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if !DOC_HOSTS.contains(&host) {
        return Some(format!("{name}: {url} is on no documentation host"));
    }
    if path.is_empty() || url.contains(char::is_whitespace) || url.contains(['<', '>', '"']) {
        return Some(format!("{name}: {url} is not a well-formed address"));
    }
    let names: Vec<String> = match name.split_once('{') {
        Some((_, braced)) => braced
            .trim_end_matches('}')
            .split(',')
            .map(|n| n.trim().to_lowercase())
            .collect(),
        None => vec![
            name.trim_end_matches('!')
                .rsplit(['.', ':'])
                .next()
                .unwrap_or(name)
                .to_lowercase(),
        ],
    };
    let lower = url.to_lowercase();
    if !names.iter().any(|n| lower.contains(n.as_str())) {
        return Some(format!("{name}: {url} does not name it"));
    }
    None
}

/// The README's table names each demo's key Rust APIs; every one of them links to its
/// documentation on a page that shows that crate's code, and every page that shows a Python
/// twin links Python's documentation too. All are checked for form, not fetched (no network).
#[test]
fn every_page_links_its_key_apis() {
    let Some((out, built)) = skip_without_mdbook("every_page_links_its_key_apis") else {
        return;
    };
    assert_eq!(built.code, Some(0), "mdbook build failed: {built:?}");
    let src = book_dir().join("src");
    let mut links: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut sources: BTreeMap<String, String> = BTreeMap::new();
    for page in pages() {
        let html = fs::read_to_string(out.join(page.replace(".md", ".html"))).expect("built");
        links.insert(page.clone(), code_links(&html));
        sources.insert(
            page.clone(),
            fs::read_to_string(src.join(&page)).expect("a page"),
        );
    }
    let mut problems = Vec::new();
    for (page, found) in &links {
        for (name, url) in found {
            if !DOC_HOSTS.iter().any(|h| url.contains(h)) {
                continue;
            }
            if let Some(bad) = bad_doc_link(name, url) {
                problems.push(format!("{page}: {bad}"));
            }
        }
        let has_twin = sources[page].contains(".py}}");
        if has_twin
            && !found
                .iter()
                .any(|(_, u)| u.starts_with("https://docs.python.org/3/"))
        {
            problems.push(format!(
                "{page}: shows a Python twin but links no Python documentation"
            ));
        }
    }
    let readme = fs::read_to_string(book_dir().join("../README.md")).expect("README.md");
    let mut rows = 0;
    let mut covered: Vec<String> = Vec::new();
    for line in readme.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        // | # | section | [crate](DIR/src/main.rs) | twin | what | key Rust APIs |
        let (Some(krate), Some(apis)) = (cells.get(2), cells.get(5)) else {
            continue;
        };
        let Some(dir) = krate
            .split("](")
            .nth(1)
            .and_then(|l| l.split_once("/src/main.rs)"))
            .map(|(dir, _)| dir)
        else {
            continue;
        };
        rows += 1;
        let include = format!("../../{dir}/");
        covered.push(include.clone());
        let shown_on: Vec<&String> = sources
            .iter()
            .filter(|(_, text)| text.contains(&include))
            .map(|(page, _)| page)
            .collect();
        if shown_on.is_empty() {
            problems.push(format!("no page shows {dir}"));
        }
        for name in apis.split('`').skip(1).step_by(2) {
            let linked = shown_on
                .iter()
                .any(|page| links[*page].iter().any(|(n, _)| n == name));
            if !linked {
                problems.push(format!("{dir}: `{name}` is linked on none of {shown_on:?}"));
            }
        }
    }
    // Every page that shows a Python twin shows a demo of the README's table.
    for (page, text) in &sources {
        if text.contains(".py}}") && !covered.iter().any(|dir| text.contains(dir.as_str())) {
            problems.push(format!("{page}: its demo has no row in the README's table"));
        }
    }
    assert!(rows > 0, "the README's table of demos was not found");
    assert!(
        problems.is_empty(),
        "key APIs without a good link: {problems:#?}"
    );
}

/// The text of the `<pre id="report">` that `harness` fills, once it says it is done.
fn harness_report(dom: &str) -> Option<String> {
    let start = dom.find("<pre id=\"report\" data-state=\"done\">")?;
    let body = &dom[start..];
    let body = &body[body.find('>')? + 1..body.find("</pre>")?];
    Some(
        body.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
}

/// Runs `script` (JavaScript, with `frame(url, width)` and `sleep(ms)` at hand, returning a
/// promise of the problems it found, one a line) in a page served beside the site, in headless
/// Chromium, and returns its problems. The pages it loads are same-origin iframes, so it can
/// measure their elements.
fn in_chromium(test: &str, script: &str) -> Option<Vec<String>> {
    let (out, built) = skip_without_mdbook(test)?;
    assert_eq!(built.code, Some(0), "mdbook build failed: {built:?}");
    let Some(chromium) = chromium() else {
        skip(test, "chromium is not installed (apt-get install chromium)");
        return None;
    };
    let page = format!("check-{test}.html");
    let harness = format!(
        r#"<!doctype html><meta charset="utf-8"><body><pre id="report">running</pre>
<script>
const sleep = ms => new Promise(r => setTimeout(r, ms));
function frame(url, width) {{
    return new Promise(resolve => {{
        const f = document.createElement('iframe');
        f.style.width = width + 'px';
        f.style.height = '900px';
        f.onload = () => resolve(f);
        f.src = url;
        document.body.appendChild(f);
    }});
}}
async function check() {{
{script}
}}
check().then(found => found, e => ['the check failed: ' + e]).then(found => {{
    const report = document.getElementById('report');
    report.textContent = found.join('\n');
    report.setAttribute('data-state', 'done');
}});
</script>"#
    );
    fs::write(out.join(&page), harness).expect("the site's directory is the test's own");
    let base = serve(out.clone());
    let profile = own_dir(&format!("chromium-{test}"));
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--virtual-time-budget=600000",
        "--dump-dom",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(format!("{base}/{page}"));
    let dom = command_within(cmd, BUILD_LIMIT);
    let report = harness_report(&dom.stdout)
        .unwrap_or_else(|| panic!("the check in Chromium did not finish: {dom:?}"));
    Some(
        report
            .lines()
            .map(str::to_string)
            .filter(|l| !l.is_empty())
            .collect(),
    )
}

/// On every page, at 1280 px (a laptop) and at 390 px (a phone): no code block and no page
/// scrolls sideways, no anchor comment shows, and each Python/Rust pair sits side by side on
/// the wide screen and Python above Rust on the narrow one (on the page about Python's builds,
/// a pair may be two Pythons, the older first).
#[test]
fn pages_put_python_beside_rust_and_no_code_scrolls_sideways() {
    let test = "pages_put_python_beside_rust_and_no_code_scrolls_sideways";
    let pages: Vec<String> = pages().iter().map(|p| p.replace(".md", ".html")).collect();
    let script = format!(
        r#"const pages = {pages:?};
const found = [];
let pairs = 0;
for (const width of [1280, 390]) {{
    for (const page of pages) {{
        const f = await frame(page, width);
        await sleep(100);
        const d = f.contentDocument;
        const at = `${{page}} at ${{width}} px`;
        d.querySelectorAll('main pre').forEach((pre, i) => {{
            for (const el of [pre, pre.querySelector('code')]) {{
                if (el && el.scrollWidth > el.clientWidth) {{
                    const longest = pre.textContent.split('\n').reduce((a, b) => b.length > a.length ? b : a, '');
                    found.push(`${{at}}: code block ${{i + 1}} scrolls sideways (${{el.scrollWidth}} > ${{el.clientWidth}} px): ${{longest.trim().slice(0, 60)}}`);
                }}
            }}
        }});
        for (const el of [d.scrollingElement, d.querySelector('.content')]) {{
            if (el && el.scrollWidth > el.clientWidth) {{
                found.push(`${{at}}: the page scrolls sideways (${{el.scrollWidth}} > ${{el.clientWidth}} px)`);
            }}
        }}
        const anchor = /^\s*(\/\/|#)\s*ANCHOR(_END)?:/m;
        d.querySelectorAll('main pre').forEach(pre => {{
            if (anchor.test(pre.textContent)) found.push(`${{at}}: an anchor comment shows: ${{pre.textContent.match(anchor)[0].trim()}}`);
        }});
        d.querySelectorAll('.twins').forEach((pair, i) => {{
            pairs += 1;
            const [py, rs] = pair.querySelectorAll(':scope > .twin');
            // Python first; beside it Rust, or on the page about builds another Python.
            if (!py || !rs || !py.textContent.trim().startsWith('Python') || !/^(Rust|Python 3)/.test(rs.textContent.trim())) {{
                found.push(`${{at}}: pair ${{i + 1}} is not a Python column and then a Rust one`);
                return;
            }}
            const a = py.getBoundingClientRect(), b = rs.getBoundingClientRect();
            if (width >= 1280 && !(Math.abs(a.top - b.top) < 1 && a.right <= b.left && b.right <= d.documentElement.clientWidth)) {{
                found.push(`${{at}}: pair ${{i + 1}} is not side by side (${{a.left}}-${{a.right}}, ${{b.left}}-${{b.right}})`);
            }}
            if (width < 1280 && !(a.bottom <= b.top)) {{
                found.push(`${{at}}: pair ${{i + 1}} does not put Python above Rust`);
            }}
        }});
        f.remove();
    }}
}}
if (pairs === 0) found.push('no page has a Python/Rust pair');
return found;"#
    );
    let Some(found) = in_chromium(test, &script) else {
        return;
    };
    assert!(found.is_empty(), "pages that fail the layout: {found:#?}");
}

/// The tutorial's words, typed into the book's search box, find their pages: the Chinese names
/// of its sections and `forkserver`. The words are in the search index's stored text, and the
/// search itself runs in Chromium, as a reader's does.
#[test]
fn the_search_finds_the_tutorials_words() {
    let test = "the_search_finds_the_tutorials_words";
    let searches = [
        ("进程", "fork-demo.html"),
        ("线程", "thread-demo.html"),
        ("协程", "coroutine-demo.html"),
        ("多进程", "pool-demo.html"),
        ("forkserver", "spawn-demo.html"),
        ("forkserver", "gil-2026.html"),
    ];
    if let Some((out, _)) = site() {
        // mdBook 0.5 names it searchindex-HASH.js.
        let index = fs::read_dir(out)
            .expect("the site")
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                name.starts_with("searchindex") && name.ends_with(".js")
            })
            .expect("mdBook writes a search index");
        let index = fs::read_to_string(index).expect("readable");
        for (word, _) in searches {
            assert!(index.contains(word), "the search index holds no {word}");
        }
    }
    let searches_js: Vec<[&str; 2]> = searches.iter().map(|(w, p)| [*w, *p]).collect();
    let script = format!(
        r#"const found = [];
for (const [word, page] of {searches_js:?}) {{
    const f = await frame('introduction.html?search=' + encodeURIComponent(word), 1280);
    // The index loads on the first search, and mdBook's own search may answer "no results"
    // for a Chinese word before the book's CJK fallback has filled in its results: wait (up
    // to 60 s) for the page among the results, not only for the header.
    const header = () => f.contentDocument.getElementById('mdbook-searchresults-header');
    const links = () => [...f.contentDocument.querySelectorAll('#mdbook-searchresults a')].map(a => a.getAttribute('href'));
    const onPage = () => links().some(h => h.split(/[?#]/)[0] === page);
    for (let i = 0; i < 600 && !(header() && header().textContent.trim() && onPage()); i++) {{
        await sleep(100);
    }}
    const hits = links();
    if (!hits.some(h => h.split(/[?#]/)[0] === page)) {{
        found.push(`searching ${{word}} finds ${{hits.length}} results, none on ${{page}} (${{header() ? header().textContent : 'no results header'}}): ${{hits.slice(0, 5).join(' ')}}`);
    }}
    f.remove();
}}
return found;"#
    );
    let Some(found) = in_chromium(test, &script) else {
        return;
    };
    assert!(found.is_empty(), "searches that miss: {found:#?}");
}
