"""Log in through a real browser and see Beranda."""

from tests.e2e.conftest import login, shot


def test_login_page_and_beranda_in_browser(app_url, new_page):
    page = new_page()
    page.goto(app_url)
    page.get_by_role("button", name="Masuk").wait_for()
    shot(page, "01-masuk")
    login(page, app_url, "kadis")
    page.get_by_text("Drs. Yohanes Sudarsono, M.Si.").first.wait_for()
    shot(page, "02-beranda-kepala-dinas")


def test_wrong_password_shows_indonesian_error(app_url, new_page):
    page = new_page()
    page.goto(app_url)
    page.get_by_label("Nama pengguna").fill("sekdis")
    page.get_by_label("Kata sandi", exact=True).fill("salah-sekali-1")
    page.get_by_role("button", name="Masuk").click()
    page.get_by_text("Nama pengguna atau kata sandi salah.").wait_for()
