/// The 401 page of every dashboard page opened without the dashboard cookie: it says where the token link is.
/// No token, snapshot or script: the visitor is not known to be the stack's user.
extension DashboardPages {
    static func unauthorized() -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <link rel="icon" href="data:,">
        <title>Sign in · stackctl dashboard</title>
        <link rel="stylesheet" href="\(stylePath)">
        </head>
        <body data-page="unauthorized">
        <header class="top"><span class="brand">credits stack</span></header>
        <main id="main" class="page-unauthorized">
        <section class="panel narrow" id="unauthorized">
        <h1>This dashboard needs its token</h1>
        <p>Open the dashboard URL that <code>stackctl up</code> printed (it carries the token):</p>
        <pre>http://127.0.0.1:PORT/dashboard?token=…</pre>
        <p>The token changes with every <code>stackctl up</code>; it is also in the state directory's <code>control-token</code>
        file. Opening the link once keeps this browser signed in to this run of the stack.</p>
        </section>
        </main>
        </body>
        </html>

        """
    }
}
