//! A browser for handler tests of the web pages: signs in with a password
//! like a person would, keeps the session and language cookies, and adds
//! the session's CSRF token to every form it posts.

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Response, StatusCode};
use strumpavtal::access::{Role, passwords, users};

use crate::helpers::TestApp;

pub const PASSWORD: &str = "korrekt häst batteri";

pub struct PageClient {
    base: String,
    client: reqwest::Client,
    /// The `Cookie` header every request carries.
    cookies: String,
    /// The session's CSRF token, read off the start page.
    pub csrf: String,
}

/// The value of cookie `name` set by a response.
pub fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|header| {
        let (pair, _) = header.split_once(';').unwrap_or((header, ""));
        let (key, value) = pair.split_once('=')?;
        (key.trim() == name).then(|| value.trim().to_owned())
    })
}

/// The value of the first hidden `csrf_token` field on a page.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).expect("a CSRF field") + marker.len();
    html[at..].split('"').next().unwrap().to_owned()
}

/// Makes a user with a password (`organisation` is an organisation number).
pub fn user_with_password(app: &TestApp, email: &str, role: Role, organisation: Option<&str>) {
    let mut conn = app.pool.get().unwrap();
    let created = users::create(&mut conn, users::NewUser { email, role, organisation }).unwrap();
    passwords::store(&mut conn, created.id, &passwords::hash(PASSWORD).unwrap()).unwrap();
}

impl PageClient {
    /// A new user of `role` (for `organisation`, an organisation number),
    /// signed in, reading Swedish (`"sv"`) or English (`"en"`).
    pub async fn sign_in(app: &TestApp, role: Role, organisation: Option<&str>, lang: &str) -> Self {
        let email = format!("{}-{}@test.example", role.as_str(), rand::random::<u32>());
        user_with_password(app, &email, role, organisation);
        Self::sign_in_existing(app, &email, lang).await
    }

    /// Signs in an existing user whose password is `PASSWORD`.
    pub async fn sign_in_existing(app: &TestApp, email: &str, lang: &str) -> Self {
        Self::sign_in_at(&app.address, email, PASSWORD, lang).await
    }

    /// Signs in at the server at `base` (`http://127.0.0.1:PORT`).
    pub async fn sign_in_at(base: &str, email: &str, password: &str, lang: &str) -> Self {
        let client = crate::helpers::http_client().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let form = client.get(format!("{base}/login")).send().await.unwrap();
        let login_csrf = set_cookie(&form, "sp_login_csrf").expect("a sign-in CSRF cookie");
        let token = csrf_in(&form.text().await.unwrap());
        let answer = client
            .post(format!("{base}/login"))
            .header(COOKIE, format!("sp_login_csrf={login_csrf}"))
            .form(&[("email", email), ("password", password), ("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "signed in");
        let session = set_cookie(&answer, "sp_session").expect("a session cookie");
        let mut me = PageClient {
            base: base.to_owned(),
            client,
            cookies: format!("sp_session={session}; sp_lang={lang}"),
            csrf: String::new(),
        };
        let (status, home) = me.get("/").await;
        assert_eq!(status, StatusCode::OK, "{home}");
        me.csrf = csrf_in(&home);
        me
    }

    /// The same browser (its cookies and CSRF token) talking to the server
    /// at `base`, as behind a load balancer.
    pub fn at(&self, base: &str) -> Self {
        PageClient {
            base: base.to_owned(),
            client: self.client.clone(),
            cookies: self.cookies.clone(),
            csrf: self.csrf.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The raw answer to a GET (redirects are not followed).
    pub async fn get_raw(&self, path: &str) -> Response {
        self.client.get(self.url(path)).header(COOKIE, &self.cookies).send().await.unwrap()
    }

    /// A page's body as sent to a client that takes gzip; 200 OK and gzipped.
    pub async fn get_gzipped(&self, path: &str) -> Vec<u8> {
        let response = self
            .client
            .get(self.url(path))
            .header(COOKIE, &self.cookies)
            .header(reqwest::header::ACCEPT_ENCODING, "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers().get(reqwest::header::CONTENT_ENCODING).unwrap(), "gzip", "{path}");
        response.bytes().await.unwrap().to_vec()
    }

    /// A page's status and HTML.
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self.get_raw(path).await;
        (response.status(), response.text().await.unwrap())
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut fields = fields.to_vec();
        fields.push(("csrf_token", self.csrf.as_str()));
        self.post_exactly(path, &fields).await
    }

    /// Posts exactly these fields: for testing what a forged form gets.
    pub async fn post_exactly(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client.post(self.url(path)).header(COOKIE, &self.cookies).form(fields).send().await.unwrap()
    }

    /// Posts a multipart form with one file, and the CSRF token.
    pub async fn post_file(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file_field: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Response {
        let mut form = reqwest::multipart::Form::new().text("csrf_token", self.csrf.clone());
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        form = form.part(file_field.to_owned(), reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()));
        self.client.post(self.url(path)).header(COOKIE, &self.cookies).multipart(form).send().await.unwrap()
    }
}

/// Where a redirect points.
pub fn location(response: &Response) -> String {
    response.headers().get(reqwest::header::LOCATION).expect("a Location header").to_str().unwrap().to_owned()
}

/// An amount as pages show it: `kr("75 000,00 kr")` with the no-break
/// spaces the page uses between thousands and before "kr".
pub fn kr(text: &str) -> String {
    text.replace(' ', "\u{a0}")
}
