//! Who is on the other end of a request, as the security flows record it: the
//! client's address and user agent (read from the request by `web::client_info`).

pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
