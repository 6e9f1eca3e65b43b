//! A real headless Chromium, driven over WebDriver by chromedriver, for the
//! journeys people make through the web pages. Debian's `chromium` and
//! `chromium-driver` packages provide both (`.ci/run` installs them); set
//! `CHROMEDRIVER` to use another driver. Each journey saves a screenshot of
//! every main page under `target/tmp/screenshots/`.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::{TestApp, free_port};

/// A chromedriver process with one headless browser session.
pub struct Browser {
    client: Client,
    driver: Child,
    base: String,
    /// Where screenshots go, and the prefix of their names.
    shots: PathBuf,
    journey: String,
    pub downloads: tempfile::TempDir,
}

fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned())
}

/// Where the screenshots of every journey are kept.
pub fn screenshot_folder() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
}

impl Browser {
    /// Starts chromedriver and a headless browser for `journey` against `app`.
    pub async fn start(app: &TestApp, journey: &str) -> Self {
        let port = free_port();
        let driver = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "could not start {} ({e}); the browser tests need Chromium and ChromeDriver: \
                     apt-get install chromium chromium-driver",
                    chromedriver()
                )
            });
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not listen on {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let downloads = tempfile::tempdir().unwrap();
        let mut options = json!({
            // Running as root in a container needs --no-sandbox; /dev/shm is small there.
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000"],
            "prefs": {
                "download.default_directory": downloads.path().to_str().unwrap(),
                "download.prompt_for_download": false,
            },
        });
        if Path::new("/usr/bin/chromium").exists() {
            options["binary"] = json!("/usr/bin/chromium");
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".to_owned(), options);
        let client = ClientBuilder::native()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a browser session");
        let shots = screenshot_folder();
        std::fs::create_dir_all(&shots).unwrap();
        Browser { client, driver, base: app.address.clone(), shots, journey: journey.to_owned(), downloads }
    }

    pub async fn visit(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    /// The path of the page the browser shows.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The visible text of the page, with no-break spaces as plain ones
    /// (amounts read `75 000,00 kr`).
    pub async fn text(&self) -> String {
        self.client.find(Locator::Css("body")).await.unwrap().text().await.unwrap().replace('\u{a0}', " ")
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    pub async fn choose(&self, css: &str, value: &str) {
        let select = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}"));
        select.select_by_value(value).await.unwrap();
    }

    /// Clicks what does not leave the page (a radio button, a checkbox).
    pub async fn click(&self, css: &str) {
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}")).click().await.unwrap();
    }

    /// Clicks a button that submits its form, and waits for the next page.
    pub async fn submit(&self, css: &str) {
        let button = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}"));
        self.navigating(button.click()).await;
    }

    /// Follows the link whose text is exactly `text`, and waits for its page.
    pub async fn follow(&self, text: &str) {
        let link = self.client.find(Locator::LinkText(text)).await.unwrap_or_else(|e| panic!("no link {text:?}: {e}"));
        self.navigating(link.click()).await;
    }

    /// Runs `action` and waits until the page it leaves is gone: the old
    /// page's root element goes stale once the browser shows another page,
    /// even one at the same address (a form shown again with its errors).
    async fn navigating(&self, action: impl std::future::Future<Output = Result<(), fantoccini::error::CmdError>>) {
        let old_root = self.client.find(Locator::Css("html")).await.unwrap();
        action.await.unwrap();
        let started = Instant::now();
        while old_root.tag_name().await.is_ok() {
            assert!(started.elapsed() < Duration::from_secs(20), "the page did not change");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.client.wait().for_element(Locator::Css("body")).await.unwrap();
    }

    /// The `href` of every element matching `css`.
    pub async fn hrefs(&self, css: &str) -> Vec<String> {
        let mut found = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await.unwrap() {
            if let Some(href) = element.attr("href").await.unwrap() {
                found.push(href);
            }
        }
        found
    }

    /// Narrows the window to a phone's `width` in CSS pixels, saves a
    /// screenshot as `name`, and says whether the page fits without scrolling
    /// sideways (wide tables scroll inside their own box instead). Returns
    /// the window to its width afterwards.
    pub async fn fits_a_phone(&self, width: u32, name: &str) -> bool {
        let (old_width, old_height) = self.client.get_window_size().await.unwrap();
        self.client.set_window_size(width, 800).await.unwrap();
        let inner = self.client.execute("return window.innerWidth;", vec![]).await.unwrap();
        assert!(inner.as_u64().is_some_and(|w| w <= u64::from(width) + 20), "the window is narrow: {inner}");
        self.screenshot(name).await;
        let fits = self
            .client
            .execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![])
            .await
            .unwrap();
        self.client.set_window_size(old_width as u32, old_height as u32).await.unwrap();
        fits == serde_json::Value::Bool(true)
    }

    /// Saves what the browser shows as `<journey>-<name>.png`, having
    /// checked that the page needs no script (they must work without).
    pub async fn screenshot(&self, name: &str) {
        let scripts = self.client.execute("return document.scripts.length;", vec![]).await.unwrap();
        assert_eq!(scripts, serde_json::json!(0), "{name}: a page with a script");
        // An SVG shape written as an HTML void element (`<rect ...>` without
        // `/>` or `</rect>`) swallows what follows it, which then never shows.
        let swallowed = self
            .client
            .execute(
                "return document.querySelectorAll('svg :is(rect, line, circle, polyline, path) > *').length;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(swallowed, serde_json::json!(0), "{name}: an SVG shape holds other elements");
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        std::fs::write(self.shots.join(format!("{}-{name}.png", self.journey)), png).unwrap();
    }

    /// Signs in through the form, as a person would.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.visit("/login").await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.submit("form[action='/login'] button[type=submit]").await;
        let path = self.path().await;
        assert_eq!(path, "/", "signed in and on the start page: {}", self.text().await);
        // The stylesheet arrived past the content security policy: the header is dark.
        let header = self
            .client
            .execute("return getComputedStyle(document.querySelector('header')).backgroundColor;", vec![])
            .await
            .unwrap();
        assert_eq!(header, json!("rgb(11, 12, 12)"), "the stylesheet applies");
    }

    /// Switches the pages' language with the header's link.
    pub async fn switch_language(&self, to_label: &str) {
        self.follow(to_label).await;
    }

    /// Clicks the download link whose text is `text` (the page stays), and
    /// waits for the file, which ends in `extension`; returns its path.
    pub async fn download(&self, text: &str, extension: &str) -> PathBuf {
        let link = self.client.find(Locator::LinkText(text)).await.unwrap_or_else(|e| panic!("no link {text:?}: {e}"));
        link.click().await.unwrap();
        let started = Instant::now();
        loop {
            let found = std::fs::read_dir(self.downloads.path())
                .unwrap()
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .find(|path| path.extension().is_some_and(|e| e == extension));
            if let Some(path) = found {
                return path;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no .{extension} file was downloaded");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
