"""The top of every view (explorer/header.py)."""

from explorer import header


def test_the_title_and_caption_are_one_element_with_bold_and_nothing_else_as_markup():
    text = header.heading_html(
        "Class board <b>", "**mnist-vae**: <script>x</script> · test NELBO **129.8 nats** & more"
    )
    assert text == (
        '<h1 class="vae-title">Class board &lt;b&gt;</h1>'
        '<p class="vae-caption"><strong>mnist-vae</strong>: &lt;script&gt;x&lt;/script&gt; · '
        "test NELBO <strong>129.8 nats</strong> &amp; more</p>"
    )
    assert header.heading_html("VAE latent-space explorer") == '<h1 class="vae-title">VAE latent-space explorer</h1>'
