"""The people: signing in and out with passwords, sessions and API tokens (credentials), the
password policy, managing accounts and their roles (users), and looking up organisations
(orgs). It may import: foundation, runtime."""
