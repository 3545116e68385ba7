package dev.lstmspark.report;

/**
 * Switches AWT to headless mode unless the user chose otherwise. With {@code java.awt.headless} unset and a
 * {@code DISPLAY} variable that points nowhere (an ssh session whose X forwarding is gone, a cluster node), the
 * first off-screen drawing tries to connect to that X server and fails with {@code AWTError}.
 *
 * <p>AWT decides once per JVM, the first time anything asks; even loading {@code java.awt.Color} asks. So every
 * class of this package that may be the first to touch AWT calls {@link #ensure()} in its first static
 * initializer, before any AWT-typed constant.
 */
final class Headless {

    private Headless() {
    }

    static void ensure() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }
}
