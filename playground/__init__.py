"""The playground: the app with no accounts, against in-process fake Slack, Jira and GitHub.

`playground/fakes/` are the fake services (also what the tests run against: one copy);
`python app.py` with no Slack credentials, or `CONNECT_PLAYGROUND=on`, starts them and serves
the page at `/playground`. Nothing in bot/, integrations/, storage/ or web/ imports this
package: only `app.py` wires it in.
"""
