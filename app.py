"""The VAE latent-space explorer: `streamlit run app.py`.

The entry: Streamlit serves the page (page.py: its set-up, the session's state, the model in
use, the view asked for), and beside it the class's follow channel, the two addresses through
which a leading teacher's page reaches the students' pages between runs
(explorer/follow_routes.py). The views and panels are in explorer/, the engine in vae/.
"""

import streamlit as st

from explorer.follow_routes import MIDDLEWARE, ROUTES

app = st.App("page.py", routes=ROUTES, middleware=MIDDLEWARE)

if __name__ == "__main__":
    print("Start the explorer with: streamlit run app.py")
