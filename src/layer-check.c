/* layer-check: links one layer's library whole against the layers below it (meson.build). */
int main(void)
{
	return 0;
}
