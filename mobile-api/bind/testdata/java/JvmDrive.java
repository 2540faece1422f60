// JvmDrive is a small "handheld app" written against the Java binding that
// gobind generates for package courier. The Go test TestJavaAppThroughJNI
// runs it on a desktop JVM with the Go side built as a JNI library. It
// prints one "KEY value..." line per fact the test checks and exits
// non-zero on any failure.
import courier.Cancel;
import courier.Courier;
import courier.DamageReport;
import courier.Listener;
import courier.Options;
import courier.Outbox;
import courier.Photo;
import courier.PhotoList;
import courier.Pickup;
import courier.Status;
import courier.Task;
import courier.TaskList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

public final class JvmDrive {
    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("check failed: " + what);
        }
    }

    // Go threads that called into Java (the Listener) stay attached to the
    // JVM as non-daemon threads, so main ends with System.exit.
    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    static void run(String[] args) throws Exception {
        String url = args[0], user = args[1], pass = args[2], db = args[3], photoPath = args[4], device = args[5], waybill = args[6];

        Options opts = new Options(url, device);
        opts.setUsername(user);
        opts.setPassword(pass);
        Outbox outbox = new Outbox(db, opts);

        final Set<String> phases = Collections.synchronizedSet(new LinkedHashSet<>());
        final String[] done = new String[1];
        outbox.setListener(new Listener() {
            @Override public void onProgress(String phase, long opsPending, long photosPending) {
                phases.add(phase);
            }
            @Override public void onSyncDone(String code, String message) {
                done[0] = code;
            }
        });

        Pickup p = new Pickup(waybill);
        p.setSenderName("王小明");
        p.setSenderPhone("13800138000");
        p.setSenderAddress("上海市浦东新区世纪大道100号");
        p.setRecipientName("李雷");
        p.setRecipientPhone("13900139000");
        p.setRecipientAddress("北京市朝阳区建国路1号");
        p.setWeightG(1200);
        p.setDeclaredValueCents(5000);
        p.setInspected(true);
        String pickupOp = outbox.recordPickup(p);
        System.out.println("OP pickup " + pickupOp);

        String digest = outbox.attachPhoto(photoPath);
        DamageReport r = new DamageReport(waybill, Courier.StagePickup, Courier.SeverityMinor);
        r.setDescription("corner of the box crushed");
        r.addPhoto(digest);
        check(r.photoCount() == 1, "photo added to the damage report");
        String damageOp = outbox.recordDamageReport(r);
        System.out.println("OP damage_report " + damageOp);
        System.out.println("PHOTO " + digest);

        try {
            outbox.recordPickup(new Pickup("x"));
            check(false, "an invalid waybill was accepted");
        } catch (Exception e) {
            System.out.println("ERRCODE invalid_pickup " + Courier.codeOf(e));
        }
        try {
            outbox.task("no-such-task");
            check(false, "an unknown task was found");
        } catch (Exception e) {
            System.out.println("ERRCODE unknown_task " + Courier.codeOf(e));
        }

        Cancel stopped = new Cancel();
        stopped.cancel();
        try {
            outbox.sync(0, stopped);
            check(false, "a cancelled sync ran");
        } catch (Exception e) {
            System.out.println("ERRCODE cancelled_sync " + Courier.codeOf(e));
        }

        outbox.sync(60_000, new Cancel());
        check("".equals(done[0]), "OnSyncDone reported success, got " + done[0]);
        Status s = outbox.status();
        System.out.println("STATUS pending=" + s.pending() + " rejected=" + s.rejected() + " photos_pending=" + s.photosPending());

        TaskList tasks = outbox.openTasks();
        for (long i = 0; i < tasks.len(); i++) {
            Task t = tasks.get(i);
            System.out.println("TASK " + t.taskID() + " " + t.waybill() + " " + t.status() + " " + t.phoneMasked());
        }
        PhotoList photos = outbox.photos();
        for (long i = 0; i < photos.len(); i++) {
            Photo ph = photos.get(i);
            System.out.println("PHOTOSTATE " + ph.digest() + " " + ph.state());
        }

        // An FCM data message arrives: the app wakes the library, which
        // syncs in the background and tells the listener.
        done[0] = null;
        outbox.wake(60_000);
        check(outbox.waitIdle(90_000), "the woken sync finished");
        System.out.println("WAKE " + ("".equals(done[0]) ? "ok" : String.valueOf(done[0])));
        System.out.println("PHASES " + String.join(",", phases));

        outbox.close();
        System.out.println("DONE");
    }
}
