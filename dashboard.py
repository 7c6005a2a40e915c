"""DL Numerics Lab: the entry point and Home page. Run with ``streamlit run dashboard.py``."""
import streamlit as st

from ui.frame import PAGES, page_frame

t = page_frame("home")

st.title(t("home.heading"))
st.markdown(t("home.intro"))

columns = st.columns(2)
for i, page in enumerate(PAGES):
    with columns[i % 2].container(border=True):
        st.subheader(f"{page.icon} {t(page.id + '.title')}")
        st.markdown(t(page.id + ".card"))
        st.page_link(page.path, label=t("home.open"), icon=":material/arrow_forward:", query_params={"lang": t.lang})

st.markdown(t("home.how"))
